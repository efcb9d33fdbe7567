"""The word lists and text tests behind strategy-check's checks of substance (issue 16).

`check.py` owns the rules; this module owns what they read: every text field of a strategy
with its YAML path (`text_fields`), what makes a field hollow (a placeholder, one word where a
sentence is needed), and how much of a strategy is the shipped example's text
(`example_share`, shown later in the coverage appendix). The word lists are data, kept here at
the top so that an assessor can read and extend them without reading the rules.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from .model import Strategy, loads_strategy

# --------------------------------------------------------------------------- word lists

#: Dissatisfaction with ordinary service: what a complaint is about, not an interruption of a
#: service. A category worded like this is a complaint type (point 9).
COMPLAINT_WORDS = re.compile(
    r"complain|dissatisf|unhappy|\brude\b|rudeness|impolite|attitude|unhelpful|unprofessional|"
    r"late (?:refund|payment|delivery|repair)|refund (?:delay|late|not)|delayed refund|slow refund|"
    r"wrong (?:bill|charge|invoice|advice|information)|billing error|overcharg|incorrect (?:bill|charge|advice)|"
    r"poor (?:service|advice|attitude|communication)|bad (?:service|advice)|long wait|waited too long|"
    r"kept waiting|mis-?sold|broken promise|call ?back not made|not called back|customer upset",
    re.I,
)

#: Requests and enquiries handled by their own process: business as usual, not incidents.
REQUEST_WORDS = re.compile(
    r"refund request|billing (?:query|queries|enquiry|enquiries)|account (?:query|enquiry)|"
    r"general enquir|change of address|service request",
    re.I,
)

#: Wording of a system or service failing: a category named like this is an incident even
#: when the system is the complaints system ("Complaints case-management system outage").
OUTAGE_WORDS = re.compile(
    r"\bsystem\b|outage|\bdown\b|unavailable|failure|\bfails?\b|\bfault\b|crash|platform|application|"
    r"\bapp\b|database|server|network|interruption|not working|cannot (?:log|access|connect|be reached)|"
    r"inaccessible|offline|breach|telephony|\bcrm\b|\bivr\b",
    re.I,
)

#: What makes a major- or minor-incident criterion measurable (point 12): a number, or the
#: people, time, services, sites or regulatory exposure it counts.
MEASURABLE_WORDS = re.compile(
    r"\d|\bp[1-5]\b|customer|contact|caller|call|patient|resident|member|adviser|agent|user|colleague|staff|"
    r"minute|hour|\bday|duration|site|channel|service|system|queue|team|whole|\ball\b|single|"
    r"breach|personal data|card|regulat|\bico\b|\bfca\b|ofcom|notif|media|press|safety|workaround",
    re.I,
)

#: What shows a goal is about the organisation's service to the people it serves (point 2).
#: ("sa[f]e" is spelt so for the templates' markup scan in tests/test_hostile.py.)
SERVICE_WORDS = re.compile(
    r"customer|client|service|contact|call|patient|resident|citizen|member|tenant|user|public|household|"
    r"reach|answer|wait|queue|availab|uptime|restor|resolv|recover|incident|disruption|outage|interrupt|"
    r"resilien|continuity|data|breach|secur|privacy|protect|sa[f]e|welfare|vulnerab|regulat|legal|\blaw|"
    r"complian|obligation|duty|satisf|csat|experience|complaint|trust|reliab|supply|deliver",
    re.I,
)

#: Content that brings a regulatory duty with it, the flag it needs and why (point 10).
INFERRED_DUTIES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("pci_dss_12_10", re.compile(
        r"card[- ]payments?|payment cards?|\bpci\b|cardholder|card details|card numbers?|"
        r"(?:ivr|telephone|phone) payments?|payment line|takes? card", re.I),
     "the strategy mentions card payments"),
    ("uk_gdpr_art33", re.compile(
        r"personal data|customer data|patient data|customer records|patient records|data breach|\bgdpr\b|"
        r"customer details|account details|data protection", re.I),
     "the strategy handles personal data"),
    ("uk_gdpr_art34", re.compile(
        r"personal data|customer data|patient data|customer records|patient records|data breach|\bgdpr\b|"
        r"customer details|account details|data protection", re.I),
     "the strategy handles personal data"),
)

#: Steps of a resolution procedure that work on the root cause, and steps that restore service (point 15).
ROOT_CAUSE_WORDS = re.compile(r"root[- ]?cause|underlying cause|why it happened|permanent fix|5 whys|fault tree", re.I)
RESTORE_WORDS = re.compile(
    r"restor|workaround|work-around|re-?route|fail ?over|switch to|back to normal|recover|reinstate|"
    r"resume|revert|roll ?back|bring (?:the )?service back|service back",
    re.I,
)

#: A whole field that holds nothing yet (hollow text, issue 16 item 4).
PLACEHOLDER = re.compile(
    r"^\W*(?:tbd|tbc|todo|to ?do|tba|n/?a|none|null|nil|placeholder|fill me in|fill in|to be (?:confirmed|"
    r"decided|defined|determined|added|written)|x{2,}|y{2,}|\?+|-+|\.+|etc|lorem ipsum.*|lorem.*|test|"
    r"asdf\w*|blah.*|text here|something)\W*$|\blorem ipsum\b|\bTODO\b|\bTBD\b|\bxxx+\b",
    re.I,
)

#: Field names whose value must be a sentence: one word there is hollow.
SENTENCE_FIELDS = frozenset({
    "definition", "rationale", "declaration", "hand_off", "steps", "major_criteria", "minor_criteria",
    "scenario", "feedback", "change_made", "workaround", "obligation", "success_criteria",
    "data_use", "objectives", "text", "executive_summary", "context_and_risk",
    "worked_scenario", "kpi_impact", "reflection",
})

#: Field names where the same sentence in 3 or more entries is copied, not written (steps,
#: criteria and descriptions may fairly repeat: "Record the time in the ITSM tool").
REPEAT_FIELDS = frozenset({
    "definition", "declaration", "hand_off", "scenario", "feedback", "change_made", "workaround",
    "obligation", "text",
})

#: Words in a `regulatory.extra` requirement that show it records an inferred duty itself.
DUTY_IN_EXTRA: dict[str, re.Pattern[str]] = {
    "pci_dss_12_10": re.compile(r"\bpci\b", re.I),
    "uk_gdpr_art33": re.compile(r"art(?:icle|\.)?\s*33", re.I),
    "uk_gdpr_art34": re.compile(r"art(?:icle|\.)?\s*34", re.I),
}

#: Text fields counted by `example_share`: at least this many words (names and labels are not).
SHARE_MIN_WORDS = 5
#: difflib ratio at which a field counts as the example's text.
COPY_RATIO = 0.9
#: Share of text fields that are the example's above which the strategy is the example's, not the writer's.
COPY_SHARE = 0.5
#: A rationale shorter than this many words does not say why.
RATIONALE_MIN_WORDS = 4
#: Share of decisions that must carry a rationale (point 5).
RATIONALE_COVERAGE = 0.6

EXAMPLE_PATH = Path(__file__).resolve().parent.parent / "examples" / "strategy.yaml"
#: The document_control.status the shipped example declares.
EXAMPLE_STATUS = "example"

# --------------------------------------------------------------------------- text walking


def text_fields(obj: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every text value in a strategy (or part of one) with its YAML path, in document order."""
    if isinstance(obj, str):
        yield loc, obj
    elif isinstance(obj, BaseModel):
        for name, field in type(obj).model_fields.items():
            yield from text_fields(getattr(obj, name), loc + (field.alias or name,))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from text_fields(value, loc + (str(key),))
    elif isinstance(obj, (tuple, list)):
        for i, value in enumerate(obj):
            yield from text_fields(value, loc + (i,))


def field_name(loc: tuple) -> str:
    """The key a value sits under (list positions skipped): ('scope', 'out', 2) -> 'out'."""
    return next((p for p in reversed(loc) if isinstance(p, str)), "")


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9][\w'’%-]*", text)


def normalise(text: str) -> str:
    return " ".join(w.lower() for w in words(text))


def is_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.search(text.strip()))


def is_example(strategy: Strategy) -> bool:
    """Whether the strategy declares itself the shipped worked example (document_control.status)."""
    dc = strategy.document_control
    return bool(dc and dc.status and dc.status.strip().lower() == EXAMPLE_STATUS)


# --------------------------------------------------------------------------- the shipped example


@functools.lru_cache(maxsize=1)
def _example_texts() -> tuple[dict[tuple, str], dict[str, tuple[str, ...]]]:
    """The example's text fields by path, and by field name (for entries moved or reordered)."""
    example = loads_strategy(EXAMPLE_PATH.read_text(encoding="utf-8"), str(EXAMPLE_PATH))
    by_path: dict[tuple, str] = {}
    by_name: dict[str, list[str]] = {}
    for loc, text in text_fields(example):
        if len(words(text)) >= SHARE_MIN_WORDS and "cadence" not in loc:
            by_path[loc] = normalise(text)
            by_name.setdefault(field_name(loc), []).append(normalise(text))
    return by_path, {k: tuple(v) for k, v in by_name.items()}


def _is_copied(loc: tuple, text: str) -> bool:
    by_path, by_name = _example_texts()
    mine = normalise(text)
    same = by_path.get(loc)
    if same is not None and difflib.SequenceMatcher(None, mine, same).ratio() >= COPY_RATIO:
        return True
    return bool(difflib.get_close_matches(mine, by_name.get(field_name(loc), ()), n=1, cutoff=COPY_RATIO))


def copied_fields(strategy: Strategy) -> tuple[list[tuple], int]:
    """The paths of text fields unchanged (fuzzy, ratio >= COPY_RATIO) from the shipped
    example, and how many text fields of SHARE_MIN_WORDS or more words there are."""
    copied, total = [], 0
    for loc, text in text_fields(strategy):
        if len(words(text)) < SHARE_MIN_WORDS or "cadence" in loc:
            continue
        total += 1
        if _is_copied(loc, text):
            copied.append(loc)
    return copied, total


def example_share(strategy: Strategy) -> float:
    """The share (0-1) of the strategy's text fields that are the shipped example's text."""
    copied, total = copied_fields(strategy)
    return len(copied) / total if total else 0.0
