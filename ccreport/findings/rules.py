"""The rules behind the findings: one entry per kind, numbered 1..N without gaps.

Each rule says when it fires (for the report's appendix), its weight (the impact of a finding
at full severity, 0-100: a major incident's customer impact outranks a data-quality note), the
role that owns its action unless the config names one for the subject, and whether its
review is urgent (a week rather than a month). The number is the rule's place in `RULES`, so
the appendix can never show a gap.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    kind: str
    name: str
    when: str
    weight: float
    owner: str
    urgent: bool = False

    @property
    def number(self) -> int:
        return NUMBERS[self.kind]


RULES: tuple[Rule, ...] = (
    Rule("major_impact", "Major incident impact",
         "A major incident affected at least three times the customers or contacts of the usual major "
         "incident (the median over the previous 12 months), lasted three times as long, or service level "
         "fell 10 points or more below its usual level while it was open.",
         100, "Major incident manager", urgent=True),
    Rule("breach_concentration", "SLA misses concentrated in one area",
         "One category, service, site, channel or resolver group holds a share of the month's resolution "
         "SLA breaches far above its share of the incidents resolved (at least twice, improbable by "
         "chance) and misses the target.",
         80, "Service delivery manager"),
    Rule("area_below_target", "An area well below the SLA target",
         "An area's resolution SLA attainment is more than 10 points below the target with at least two "
         "breaches, but on too few incidents to count as a concentration.",
         30, "Service delivery manager"),
    Rule("priority_miss", "Urgent incidents missed their target",
         "A P1 incident missed its resolution target; P2 or a lower priority misses it by more than 10 % "
         "of the target, or far more often than the month's rate would give.",
         70, "Incident manager", urgent=True),
    Rule("recurring_problem", "Recurring incidents",
         "Incidents sharing a service and a signature (configuration item, subcategory or a near-identical "
         "title) recur: three or more within seven days, or a repeat within seven days of the last fix, "
         "far more often than that signature's usual rate.",
         65, "Problem manager"),
    Rule("customer_impact", "Customer impact above the usual level",
         "Customers affected in the period are at least 1.5 times their usual level (the average over "
         "the previous 12 months) and above the previous period.",
         60, "Customer experience manager"),
    Rule("volume_rise", "Incident volume far above its baseline",
         "An area (or the whole centre) logged at least 1.5 times its usual number of incidents, at least "
         "five more, improbable by chance.",
         50, "Problem manager"),
    Rule("ttr_rise", "Time to resolve far above its baseline",
         "An area's mean time to resolve is at least 1.5 times its usual level, over enough incidents "
         "for the rise not to be chance.",
         50, "Resolver group manager"),
    Rule("backlog_growth", "Backlog growing",
         "The backlog at the period's end grew by more than 10 % (and at least five incidents) on the "
         "previous period and stands above its usual level.",
         45, "Service desk manager"),
    Rule("backlog_ageing", "Old open incidents",
         "At least five open incidents, and a tenth of the backlog, have been open for more than 30 days.",
         40, "Service desk manager"),
    Rule("overdue_review", "Post-incident reviews overdue",
         "A resolved major incident has no completed review (Reviewed or Closed) by its due date: its "
         "resolution plus the review deadline in working days.",
         45, "Major incident manager", urgent=True),
    Rule("target_missed", "Centre-wide target missed",
         "A figure of the whole centre misses its target (resolution or response SLA, MTTA, MTTR, reopen "
         "or escalation rate, CSAT; with contact data, service level, abandonment or handle time).",
         40, "Service delivery manager"),
    Rule("data_quality", "Incomplete data",
         "Rows were rejected, or incidents had an unknown priority or unreadable timestamps, so some "
         "incidents are not counted fully.",
         25, "ITSM tool owner"),
)

NUMBERS: dict[str, int] = {r.kind: i for i, r in enumerate(RULES, start=1)}
BY_KIND: dict[str, Rule] = {r.kind: r for r in RULES}
