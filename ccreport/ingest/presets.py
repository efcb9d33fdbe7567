"""Presets: how each real tool's export maps onto the canonical schema, and `auto` detection.

A preset is data, not code: candidate source headers per canonical field (matched without
regard to case, spaces or underscores), the tool's state vocabulary, extra priority labels,
the headers that identify it, and each quirk of the tool as a declared field (an event log,
UTC times in its REST API, times given as seconds after opening ...). The pipeline reads
those fields and never a preset's name. PRESETS is the registry: the command line's
`--preset` choices and help, the config's `preset` key and `auto` detection all come from it,
so adding a tool is one `Preset(...)` entry below plus its test data.

This module stays light (no pandas): the CLI imports it to build its options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import IngestError
from ..schema import FIELDS, REQUIRED


def header_key(h: str) -> str:
    """Case-, space- and punctuation-insensitive header key: 'Opened At' == 'opened_at'."""
    return re.sub(r"[^a-z0-9]+", "", h.lower())


@dataclass(frozen=True)
class Preset:
    name: str
    #: canonical field -> source header candidates, in order of preference.
    columns: dict[str, tuple[str, ...]]
    #: headers whose presence identifies the tool (scored by `detect`).
    signature: tuple[str, ...] = ()
    #: tool state label (lower-case) -> canonical status.
    states: dict[str, str] = field(default_factory=dict)
    #: extra priority labels (lower-case) -> P1..P5, on top of the built-in rules.
    priorities: dict[str, str] = field(default_factory=dict)
    #: impact/urgency labels (lower-case) -> 1..3 (1 = high).
    levels: dict[str, int] = field(default_factory=dict)
    #: Event-log columns: (time column candidates, sequence column candidates).
    event_log: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    #: JSON container keys (readers.RawTable.json_root) whose date-times are UTC whatever the
    #: configured timezone: a REST API answering in UTC while list exports show local time.
    utc_json_roots: tuple[str, ...] = ()
    #: `major` holds a type name rather than yes/no: any text that is not false means major.
    major_any_text: bool = False
    #: A JSON list column of acknowledgements: the first one's "at" is acknowledged_at (when
    #: no column gives it). Like resolved_at_last_change, an API timestamp: naive means UTC.
    acknowledgements_list: str | None = None
    #: (source column, canonical field): times given as seconds after opened_at; they fill
    #: the field where it is empty.
    seconds_after_opened: tuple[tuple[str, str], ...] = ()
    #: The time of the last status change: resolved_at of the incidents whose status reads
    #: "resolved", when no column gives resolved_at.
    resolved_at_last_change: str | None = None
    #: (status category column, its change time column, the done category): a Resolved or
    #: Closed incident with no resolved_at takes the time its status category became done
    #: (Jira Cloud's `Status Category Changed`), counted as resolved_from_status_category.
    resolved_at_category_changed: tuple[str, str, str] | None = None
    #: (status category column, {category (lower-case): canonical status}): a status label
    #: the preset does not know is read from its category (Jira's To Do / In Progress / Done),
    #: and reported once per label.
    status_categories: tuple[str, dict[str, str]] | None = None
    #: (resolution column, labels): a Resolved/Closed incident whose resolution is one of
    #: the labels (lower-case) was cancelled, not resolved (Jira's Done + `Won't Do`).
    cancelled_resolutions: tuple[str, tuple[str, ...]] | None = None


_SN_STATES = {
    "new": "New", "1": "New",
    "in progress": "In Progress", "active": "In Progress", "work in progress": "In Progress",
    "2": "In Progress", "assigned": "In Progress",
    "on hold": "On Hold", "3": "On Hold", "awaiting user info": "On Hold",
    "awaiting problem": "On Hold", "awaiting vendor": "On Hold", "awaiting evidence": "On Hold",
    "awaiting change": "On Hold", "awaiting caller": "On Hold", "pending": "On Hold",
    "resolved": "Resolved", "6": "Resolved",
    "closed": "Closed", "7": "Closed",
    "canceled": "Cancelled", "cancelled": "Cancelled", "8": "Cancelled",
}
_SN_LEVELS = {"1 - high": 1, "2 - medium": 2, "3 - low": 3, "1": 1, "2": 2, "3": 3,
              "high": 1, "medium": 2, "low": 3}

CANONICAL = Preset(
    name="canonical",
    columns={**{f: (f,) for f in FIELDS},
             # The configuration item goes by many names in exports that are otherwise canonical.
             "configuration_item": ("configuration_item", "ci", "cmdb_ci", "affected ci")},
    signature=("incident_id", "opened_at"),
)

SERVICENOW = Preset(
    name="servicenow",
    columns={
        "incident_id": ("number",),
        "title": ("short_description", "short description"),
        "description": ("description",),
        "category": ("category",),
        "subcategory": ("subcategory",),
        "configuration_item": ("cmdb_ci", "configuration item", "configuration_item"),
        "service": ("business_service", "business service", "service", "cmdb_ci",
                    "configuration item"),
        "channel": ("contact_type", "contact type", "channel"),
        "site": ("location",),
        "assignment_group": ("assignment_group", "assignment group"),
        "priority": ("priority",),
        "impact": ("impact",),
        "urgency": ("urgency",),
        "status": ("incident_state", "incident state", "state"),
        "major": ("major_incident", "major incident", "u_major_incident", "major_incident_state",
                  "major incident state"),
        "opened_at": ("opened_at", "opened", "sys_created_on", "created", "sys_created_at"),
        "acknowledged_at": ("u_acknowledged_at", "work_start", "work start"),
        "resolved_at": ("resolved_at", "resolved"),
        "closed_at": ("closed_at", "closed"),
        "escalation_level": ("escalation",),
        "reassignment_count": ("reassignment_count", "reassignment count"),
        "reopen_count": ("reopen_count", "reopen count"),
        "root_cause": ("u_root_cause", "cause", "caused_by"),
        "resolution_notes": ("close_notes", "close notes", "resolution notes"),
        "problem_id": ("problem_id", "problem"),
        "tool_sla_met": ("made_sla", "made sla"),
    },
    signature=("number", "incident_state", "opened_at", "sys_created_on", "short_description",
               "made_sla", "sys_mod_count", "sys_updated_at", "sys_updated_on", "caller_id",
               "assignment_group", "cmdb_ci", "u_symptom", "contact_type", "opened",
               "short description", "made sla", "configuration item", "incident state",
               "assignment group", "close_code"),
    states=_SN_STATES,
    priorities={"1 - critical": "P1", "2 - high": "P2", "3 - moderate": "P3", "4 - low": "P4",
                "5 - planning": "P5"},
    levels=_SN_LEVELS,
    event_log=(("sys_updated_at", "sys_updated_on", "updated"), ("sys_mod_count", "updates")),
    # The REST Table API ({"result": [...]}) returns stored date-times in UTC, whatever the
    # instance's display timezone; list exports show the user's local time.
    utc_json_roots=("result",),
)

JIRA = Preset(
    name="jira",
    columns={
        "incident_id": ("issue key", "key"),
        "title": ("summary",),
        "description": ("description",),
        "category": ("custom field (category)", "custom field (incident category)",
                     "custom field (request type)", "issue type"),
        "service": ("custom field (affected services)", "components", "component/s",
                    "custom field (service)"),
        "channel": ("custom field (channel)", "custom field (source)"),
        "site": ("custom field (site)", "custom field (location)"),
        "assignment_group": ("custom field (team)", "custom field (assignment group)",
                             "custom field (organizations)"),
        "priority": ("priority",),
        "impact": ("custom field (impact)",),
        "urgency": ("custom field (urgency)",),
        "status": ("status",),
        "major": ("custom field (major incident)",),
        "opened_at": ("created",),
        "resolved_at": ("resolved",),
        "root_cause": ("custom field (root cause)",),
        "resolution_notes": ("custom field (resolution notes)",),
        "problem_id": ("custom field (problem)", "custom field (linked problem)"),
    },
    signature=("issue key", "issue id", "issue type", "summary", "project key", "created",
               "watchers", "custom field (time to resolution)", "custom field (time to first response)",
               "last viewed", "project name", "creator"),
    states={
        "open": "New", "to do": "New", "new": "New", "waiting for support": "New",
        "backlog": "New", "reopened": "In Progress",
        "in progress": "In Progress", "work in progress": "In Progress",
        "investigating": "In Progress", "escalated": "In Progress", "under investigation": "In Progress",
        "in review": "In Progress", "selected for development": "New",
        "pending": "On Hold", "waiting for customer": "On Hold", "on hold": "On Hold",
        "waiting for third party": "On Hold", "waiting for approval": "On Hold",
        "resolved": "Resolved", "done": "Resolved", "completed": "Resolved", "mitigated": "Resolved",
        "closed": "Closed",
        "canceled": "Cancelled", "cancelled": "Cancelled", "declined": "Cancelled",
        "won't do": "Cancelled", "wont do": "Cancelled", "won't fix": "Cancelled",
        "wont fix": "Cancelled", "rejected": "Cancelled", "aborted": "Cancelled",
        "duplicate": "Cancelled", "abandoned": "Cancelled", "withdrawn": "Cancelled",
        "obsolete": "Cancelled",
    },
    resolved_at_category_changed=("status category", "status category changed", "done"),
    status_categories=("status category", {"to do": "New", "in progress": "In Progress", "done": "Resolved"}),
    cancelled_resolutions=("resolution", ("won't do", "wont do", "won't fix", "wont fix", "declined",
                                          "duplicate", "aborted", "cancelled", "canceled", "rejected",
                                          "abandoned", "withdrawn", "obsolete")),
    levels={"extensive / widespread": 1, "significant / large": 2, "moderate / limited": 3,
            "minor / localized": 3, "critical": 1, "high": 1, "medium": 2, "low": 3},
)

PAGERDUTY = Preset(
    name="pagerduty",
    columns={
        "incident_id": ("incident_number", "id"),
        "title": ("title", "description", "summary"),
        "description": ("description",),
        "service": ("service.summary", "service_name", "service"),
        "assignment_group": ("escalation_policy.summary", "team_name", "escalation_policy_name",
                             "escalation_policy"),
        "priority": ("priority.summary", "priority_name", "priority"),
        "status": ("status",),
        "major": ("major",),
        "opened_at": ("created_at", "created_on"),
        "acknowledged_at": ("acknowledged_at",),
        "resolved_at": ("resolved_at", "resolved_on"),
        "escalation_level": ("escalation_count", "escalations", "assignment_count"),
        "urgency": ("urgency",),
    },
    signature=("incident_number", "urgency", "escalation_policy.summary", "service.summary",
               "last_status_change_at", "seconds_to_first_ack", "seconds_to_resolve",
               "priority_name", "escalation_count", "html_url", "incident_key", "team_name",
               "service_name"),
    states={"triggered": "New", "acknowledged": "In Progress", "resolved": "Resolved"},
    levels={"high": 1, "low": 3},
    acknowledgements_list="acknowledgements",
    seconds_after_opened=(("seconds_to_first_ack", "acknowledged_at"), ("seconds_to_resolve", "resolved_at")),
    resolved_at_last_change="last_status_change_at",
)

ZENDESK = Preset(
    name="zendesk",
    columns={
        "incident_id": ("id", "ticket id"),
        "title": ("subject",),
        "description": ("description",),
        "category": ("ticket type", "category", "type"),
        "channel": ("via", "channel"),
        "assignment_group": ("group",),
        "priority": ("priority",),
        "status": ("status",),
        "opened_at": ("created at",),
        "resolved_at": ("solved at",),
        "csat": ("satisfaction score",),
    },
    signature=("id", "requester", "subject", "created at", "solved at", "updated at",
               "ticket type", "assignee updated at", "requester updated at", "via", "tags"),
    states={"new": "New", "open": "In Progress", "pending": "On Hold", "hold": "On Hold",
            "on-hold": "On Hold", "solved": "Resolved", "closed": "Closed", "deleted": "Cancelled"},
    priorities={"urgent": "P1", "normal": "P3"},
)

FRESHSERVICE = Preset(
    name="freshservice",
    columns={
        "incident_id": ("ticket id", "id"),
        "title": ("subject",),
        "description": ("description",),
        "category": ("category",),
        "subcategory": ("sub-category", "sub category", "subcategory"),
        "channel": ("source",),
        "site": ("department", "location"),
        "assignment_group": ("group",),
        "priority": ("priority",),
        "impact": ("impact",),
        "urgency": ("urgency",),
        "status": ("status",),
        "major": ("major incident type",),
        "opened_at": ("created time", "created date"),
        "resolved_at": ("resolved time", "resolved date"),
        "closed_at": ("closed time", "closed date"),
        "reopen_count": ("reopened", "reopen count"),
    },
    signature=("ticket id", "created time", "resolved time", "closed time", "due by time",
               "major incident type", "sub-category", "first responded time", "agent", "source"),
    states={"open": "New", "pending": "On Hold", "resolved": "Resolved", "closed": "Closed",
            "in progress": "In Progress", "awaiting user": "On Hold",
            "waiting on customer": "On Hold", "waiting on third party": "On Hold"},
    priorities={"urgent": "P1"},
    # Freshservice impact/urgency are Low/Medium/High; canonical 1 = high.
    levels={"high": 1, "medium": 2, "low": 3, "3": 1, "2": 2, "1": 3},
    # 'Major incident type' names the type of a major incident, and is empty otherwise.
    major_any_text=True,
)

#: The registry, in the order the help lists them.
PRESETS: dict[str, Preset] = {
    p.name: p for p in (CANONICAL, SERVICENOW, JIRA, PAGERDUTY, ZENDESK, FRESHSERVICE)
}
#: Every `--preset` value: `auto` (detect from the header row) and each preset.
PRESET_NAMES = ("auto", *PRESETS)
#: The `--preset` help text.
PRESET_HELP = f"Export format: auto (detect from the header row), {', '.join(PRESETS)}."


def find_column(headers_by_key: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    """The first candidate present in the headers (by header_key), as the frame key."""
    for c in candidates:
        k = header_key(c)
        if k in headers_by_key:
            return headers_by_key[k]
    return None


def detect(headers: list[str]) -> Preset:
    """Pick the preset whose signature best matches the headers (case-insensitive).

    Canonical wins when both required canonical columns are present and no tool scores
    higher on its distinctive headers.
    """
    keys = {header_key(h) for h in headers}
    scores: dict[str, float] = {}
    for p in PRESETS.values():
        hits = sum(header_key(s) in keys for s in p.signature)
        scores[p.name] = hits / max(len(p.signature), 1) + hits * 0.01
    canonical_ok = all(header_key(k) in keys for k in REQUIRED)
    best = max((n for n in scores if n != CANONICAL.name), key=lambda n: scores[n])
    if canonical_ok:
        canon_hits = sum(header_key(f) in keys for f in FIELDS)
        if canon_hits >= 3 and scores[best] < 0.25:
            return CANONICAL
    if scores[best] >= 0.15:
        return PRESETS[best]
    if canonical_ok:
        return CANONICAL
    return CANONICAL  # the missing-column error then names what is needed


def _shown(header: str) -> str:
    """A header as quoted in a message: control characters escaped, at most 40 characters."""
    from .quality import printable

    h = printable(header)
    return h if len(h) <= 40 else h[:39] + "…"


def missing_column_error(path: str, field_: str, headers: list[str], preset: Preset) -> IngestError:
    import difflib  # the error path only: the CLI imports this module at start-up

    wanted = preset.columns.get(field_, (field_,))
    pool = {header_key(h): h for h in headers}
    close: list[str] = []
    for w in (field_, *wanted):
        close += [pool[m] for m in difflib.get_close_matches(header_key(w), list(pool), n=2, cutoff=0.6)]
    found = ", ".join(_shown(h) for h in headers[:20]) + (" ..." if len(headers) > 20 else "")
    hint = f" Did you mean {_shown(close[0])!r}? Use --mapping to name it." if close else " Use --mapping FILE to name it."
    if len(headers) == 1 and re.search(r"[^\w\s()./-]", headers[0]) and header_key(field_) in header_key(headers[0]):
        # The whole header row is one column: the file is split by a character ccreport does
        # not sniff (it tries , ; tab and |).
        hint = (" The header row was read as a single column: the file seems to use a delimiter "
                "other than comma, semicolon, tab or |; save it as comma-separated CSV.")
    names = " or ".join(repr(w) for w in wanted[:3])
    return IngestError(
        f"{path}: required column {field_!r} not found (preset {preset.name}: looked for {names}); "
        f"columns found: {found}.{hint}"
    )
