"""What a finding is: one thing the month's figures say that a head of operations should act on.

A `Finding` carries its rule (numbered in `rules.RULES`, without gaps), its subject (a category,
service, site, channel, resolver group, priority, major incident, recurring problem, or the
whole centre), the evidence figures it rests on (as numbers, from the metric set), its impact
score (0-100, the ranking), the base (how many incidents the figure is over), a plain-English
statement, a recommended action, an owner role and a review date. Statements and actions are
plain text (not Markdown): a document escapes them like any other untrusted text, since they
quote names from the export.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Subject:
    #: "category", "service", "site", "channel", "assignment_group", "priority",
    #: "major_incident", "problem", "backlog", "centre" or "data".
    dimension: str
    #: The name as the export spells it (an incident ID for a major incident); "" for the centre.
    name: str = ""


@dataclass
class Finding:
    rule: int
    kind: str
    subject: Subject
    statement: str
    action: str
    owner: str
    review_by: str  # ISO date
    impact: float
    base: int | None = None
    #: The figures the statement cites, as numbers (None where not known): value, target,
    #: count, share_pct, previous, baseline, change_vs_previous, change_vs_baseline, ...
    evidence: dict[str, Any] = field(default_factory=dict)
    #: Whether it may lead the executive summary (a data-quality note only when it is large).
    headline: bool = True

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("headline")
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        known = {"rule", "kind", "statement", "action", "owner", "review_by", "impact", "base", "evidence"}
        return cls(subject=Subject(**(d.get("subject") or {"dimension": "centre"})),
                   **{k: v for k, v in d.items() if k in known})
