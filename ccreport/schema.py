"""The canonical schema (SPEC §3.1, §3.3): the only copy of every field name, enumeration and
unit constant the rest of the code shares.

Every reader and preset produces a frame with exactly the FIELDS columns; metrics and documents
rely on nothing else. The command line's choices (`--split-by`, `--by`) and the breakdowns
are built from DIMENSIONS; the label of a missing dimension value is NOT_RECORDED.
"""

from __future__ import annotations

STATUSES = ("New", "In Progress", "On Hold", "Resolved", "Closed", "Cancelled")
OPEN_STATUSES = ("New", "In Progress", "On Hold")
DONE_STATUSES = ("Resolved", "Closed")
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
UNKNOWN_PRIORITY = "Unknown"
UNCATEGORISED = "Uncategorised"

#: The fields incidents are grouped by (breakdowns, `--split-by`, `--by`), in report order.
DIMENSIONS = ("category", "service", "site", "channel", "assignment_group")
#: The group of incidents whose dimension is empty ("Uncategorised" for category).
NOT_RECORDED = "Not recorded"

#: Nanoseconds per unit of time: timestamps are int64 nanoseconds since the epoch, UTC.
NS_PER_MINUTE = 60_000_000_000
NS_PER_HOUR = 3_600_000_000_000
NS_PER_DAY = 86_400_000_000_000
SECONDS_PER_DAY = 86_400

TEXT_FIELDS = (
    "incident_id",
    "title",
    "description",
    "category",
    "subcategory",
    "configuration_item",
    "service",
    "channel",
    "site",
    "assignment_group",
    "root_cause",
    "resolution_notes",
    "problem_id",
)
DATETIME_FIELDS = (
    "opened_at",
    "detected_at",
    "acknowledged_at",
    "escalated_at",
    "resolved_at",
    "closed_at",
)
INT_FIELDS = (
    "impact",
    "urgency",
    "escalation_level",
    "reassignment_count",
    "reopen_count",
    "customers_affected",
    "contacts_affected",
)
FLOAT_FIELDS = ("csat",)
#: tool_sla_met: the export's own SLA verdict (ServiceNow `made_sla`), compared with ccreport's.
BOOL_FIELDS = ("major", "tool_sla_met")

#: Column order of the canonical frame.
FIELDS = (
    "incident_id",
    "title",
    "description",
    "category",
    "subcategory",
    "configuration_item",
    "service",
    "channel",
    "site",
    "assignment_group",
    "priority",
    "impact",
    "urgency",
    "status",
    "major",
    *DATETIME_FIELDS,
    "escalation_level",
    "reassignment_count",
    "reopen_count",
    "customers_affected",
    "contacts_affected",
    "csat",
    "root_cause",
    "resolution_notes",
    "problem_id",
    "tool_sla_met",
)
REQUIRED = ("incident_id", "opened_at")

#: Columns of the events frame (SPEC §3.3 --events, and state sequences of event logs).
EVENT_FIELDS = ("incident_id", "timestamp", "type", "text", "author", "audience")
EVENT_TYPES = (
    "detected",
    "logged",
    "acknowledged",
    "prioritised",
    "escalated",
    "update",
    "comms",
    "workaround",
    "resolved",
    "closed",
    "state",
)

#: Columns of the contact-centre interval data (SPEC §3.3 --contacts), and its counts.
CONTACT_FIELDS = ("interval_start", "channel", "offered", "answered", "abandoned", "answered_in_sl",
                  "handle_seconds")
CONTACT_COUNT_FIELDS = ("offered", "answered", "abandoned", "answered_in_sl")
#: Optional columns of the contact data that say where an interval's contacts were handled: a
#: row per interval, channel and (when present) site and queue.
CONTACT_GROUP_FIELDS = ("site", "queue")


#: The missing-value markers of `missing_values` when the configuration names none.
DEFAULT_MISSING = ("", "?", "NULL", "N/A", "-")
