"""The findings of one period: which of the metric set's figures tell a story, ranked by impact.

`find(metric_set, settings, ...)` runs one detector per rule (rules.py) over the metric set and
its breakdowns (priority, category, service, site, channel, resolver group), the previous
period and the 12-month baseline (`MetricSet.baseline`), and returns the findings ranked by
impact. Every number comes from the metrics layer; a detector only compares figures (shares,
ratios, a chance test) and words them. The thresholds keep ordinary months quiet:

- a concentration or a rise must be improbable under the usual rate: the Poisson upper tail of
  the observed count at the expected one is at most `settings.significance` (0.001), so across
  fifty areas an ordinary month shows a false finding about once in twenty;
- a rise must also be large (`baseline_ratio`, 1.5 times) and matter (at least five incidents);
- the baseline needs 60 days of data before P.

Impact = the rule's weight × a severity from 0 to 1 (how far past the threshold, and how much
of the month it touches); docs/findings.md gives each formula.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Mapping

from .. import units as u
from ..config import FindingsSettings
from ..metrics.definitions import BY_KEY, CONTACT_BY_KEY, Figures
from ..metrics.model import MetricSet
from ..schema import DIMENSIONS
from .model import Finding, Subject
from .rules import BY_KIND

#: How a dimension reads in a sentence: "the CRM service", "the Service Desk resolver group".
DIMENSION_NOUN = {"category": "category", "service": "service", "site": "site", "channel": "channel",
                  "assignment_group": "resolver group"}
#: Review statuses that close a post-incident review.
DONE_REVIEWS = frozenset({"Reviewed", "Closed"})
#: The least baseline a comparison with "usual" needs.
MIN_BASELINE_DAYS = 60.0
#: The least excess (incidents) that makes a rise worth a leader's time.
MIN_EXCESS = 5
#: The least a finding's impact must be to lead the summary.
HEADLINE_IMPACT = 10.0
#: The most findings of one rule the summary leads with (so one story does not crowd out the rest).
HEADLINES_PER_RULE = 2
#: The recurring-problem candidates that become findings (the report's section lists the rest).
MAX_PROBLEM_FINDINGS = 3
_PCT = "pct"


# --------------------------------------------------------------------------- arithmetic


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam): how improbable k or more events are at rate lam."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if k > 1000 or lam > 1000:  # normal approximation with continuity correction
        z = (k - 0.5 - lam) / math.sqrt(lam)
        return 0.5 * math.erfc(z / math.sqrt(2))
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below)


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def _iso_date(d: dt.date) -> str:
    return d.isoformat()


# --------------------------------------------------------------------------- context


class _Ctx:
    """The metric set plus the words and settings every detector needs."""

    def __init__(self, ms: MetricSet, s: FindingsSettings, min_base: int,
                 pir_statuses: Mapping[str, str] | None, overdue_actions: int = 0) -> None:
        self.m, self.s, self.min_base, self.pir = ms, s, min_base, pir_statuses
        self.overdue_actions = overdue_actions
        p = ms.period
        self.label = p.label or (u.month_label(p.month) if p.month else f"{u.fmt_date(p.first_day)} to "
                                 f"{u.fmt_date(p.last_day)}")
        prev = ms.previous
        self.prev_ok = prev is not None and prev.covered
        self.prev_label = ""
        #: "the end of October 2026"; a --from/--to period ends with its last day ("at the end
        #: of 30 September 2026": "at the end of 1 July – 30 September 2026" reads wrong).
        self.end_of = f"the end of {self.label}" if p.month else f"the end of {u.fmt_date(p.last_day)}"
        self.prev_end_of = ""
        if prev is not None:
            pp = prev.period
            self.prev_label = pp.label or (u.month_label(pp.month) if pp.month else "the previous period")
            self.prev_end_of = f"the end of {self.prev_label}"
            if not pp.month:  # the span of the same length just before: say so
                days = u.plural(pp.days, "day")
                self.prev_label = f"the previous {days} ({self.prev_label})"
                self.prev_end_of = f"the end of {u.fmt_date(pp.last_day)}"
        b = ms.baseline
        self.base = b if b is not None and b.days >= MIN_BASELINE_DAYS and b.period_days > 0 else None
        self.last_day = p.last_day

    def target(self, key: str) -> float | None:
        v = self.m.targets.get(key)
        return None if v is None else float(v)

    def usual_words(self) -> str:
        """"its usual level over the previous 12 months" with the span the baseline really has."""
        b = self.base
        months = b.months if b is not None else 0
        return "the previous 12 months" if months >= 12 else f"the previous {u.plural(months, 'month')}"

    def review_by(self, kind: str) -> str:
        days = self.s.urgent_review_days if BY_KIND[kind].urgent else self.s.review_days
        return _iso_date(self.last_day + dt.timedelta(days=days))

    def owner(self, kind: str, *subjects: tuple[str, str | None]) -> str:
        """The configured role for the first subject that has one; else the rule's role."""
        owners = self.s.owners
        for dim, name in subjects:
            roles = getattr(owners, dim, None) if dim in DIMENSIONS else None
            if roles and name is not None and name in roles:
                return roles[name]
        return owners.default or BY_KIND[kind].owner

    def finding(self, kind: str, subject: Subject, statement: str, action: str, severity: float,
                base: int | None, evidence: dict[str, Any], owner_keys: Iterable[tuple[str, str | None]] = (),
                headline: bool = True) -> Finding:
        rule = BY_KIND[kind]
        keys = list(owner_keys) or ([(subject.dimension, subject.name)] if subject.dimension in DIMENSIONS else [])
        return Finding(rule=rule.number, kind=kind, subject=subject, statement=statement, action=action,
                       owner=self.owner(kind, *keys), review_by=self.review_by(kind),
                       impact=round(rule.weight * _clamp(severity), 2), base=base, evidence=evidence,
                       headline=headline)


def _pct(value: float | None, target: float | None = None) -> str:
    return u.fmt_pct(value, target=target)


def _hours(value: float | None, target: float | None = None) -> str:
    return u.fmt_hours(value, target=target)


def _subject_words(dim: str, name: str) -> str:
    """"the CRM service", "the Leeds site"; a name that already ends with the noun keeps it
    once ("the Unknown service")."""
    noun = DIMENSION_NOUN[dim]
    return f"the {name}" if name.lower().endswith(noun) else f"the {name} {noun}"


def _in_subject(dim: str, name: str) -> str:
    """"in the CRM category", "at the Leeds site"."""
    return f"{'at' if dim == 'site' else 'in'} {_subject_words(dim, name)}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _same_story(a: Finding, b: Finding, keys: tuple[str, ...]) -> bool:
    """Whether two findings of one rule in different dimensions are about the same incidents:
    their counts agree within a fifth (e.g. a category and the resolver group that owns it)."""
    for k in keys:
        x, y = a.evidence.get(k), b.evidence.get(k)
        if x is None or y is None or abs(x - y) > 0.2 * max(x, y, 1):
            return False
    return True


def _merge_dimensions(found: list[Finding], keys: tuple[str, ...]) -> list[Finding]:
    """One finding per story: a finding in another dimension about the same incidents is
    folded into the stronger one ("also the X resolver group")."""
    kept: list[Finding] = []
    for f in sorted(found, key=lambda f: -f.impact):
        twin = next((k for k in kept if k.subject.dimension != f.subject.dimension and _same_story(k, f, keys)), None)
        if twin is None:
            kept.append(f)
            continue
        also = twin.evidence.setdefault("also", [])
        if len(also) < 2:
            also.append({"dimension": f.subject.dimension, "name": f.subject.name})
    for k in kept:
        if k.evidence.get("also"):
            names = [_subject_words(a["dimension"], a["name"]) for a in k.evidence["also"]]
            k.statement += f" Most are also in {u.join_words(names)}."
    return kept


# --------------------------------------------------------------------------- detectors


def _dims(x: _Ctx) -> list[str]:
    """The breakdowns with at least two values (a single value is the whole centre)."""
    return [d for d in DIMENSIONS if len(x.m.breakdown(d)) >= 2]


def breach_concentration(x: _Ctx) -> list[Finding]:
    """SLA misses concentrated in one area, and (weaker) areas well below the target."""
    t = x.m.totals
    total_b, total_n = t.resolution_sla_breaches, t.resolution_sla_base
    target = x.target("resolution_sla_pct")
    if not total_b or not total_n:
        return []
    overall = t.resolution_sla_pct
    strong, weak = [], []
    for dim in _dims(x):
        for name, f in x.m.breakdown(dim).items():
            nb, n = f.resolution_sla_breaches, f.resolution_sla_base
            sla = f.resolution_sla_pct
            if not nb or not n or sla is None or n >= total_n or nb > total_b:
                continue
            expected = total_b * n / total_n
            share, lift = nb / total_b, nb / expected
            chance = poisson_sf(nb, expected)
            below = sla < (target if target is not None else (overall or 0))
            who = _subject_words(dim, name)
            prev = x.m.previous.breakdown(dim).get(name) if x.prev_ok and x.m.previous is not None else None
            base = x.base.breakdown(dim).get(name) if x.base is not None else None
            evidence = {"value": sla, "target": target, "count": nb, "base": n, "total_breaches": total_b,
                        "share_pct": 100 * share, "share_of_resolved_pct": 100 * n / total_n,
                        "expected": expected, "chance": chance, "mttr_hours": f.mttr_hours,
                        "previous": prev.resolution_sla_pct if prev is not None else None,
                        "baseline": base.resolution_sla_pct if base is not None else None}
            tail = ""
            mttr, all_mttr = f.mttr_hours, t.mttr_hours
            if mttr is not None and all_mttr and mttr >= 1.5 * all_mttr:
                tail += f" Its mean time to resolve was {_hours(mttr)}, against {_hours(all_mttr)} for all incidents."
            if base is not None and base.resolution_sla_pct is not None and (base.resolution_sla_base or 0) >= x.min_base:
                tail += f" Over {x.usual_words()} it met {_pct(base.resolution_sla_pct, target)}."
            against = f" against {u.fmt_target(target, _PCT)}" if target is not None else ""
            if below and nb >= 3 and lift >= 2 and chance <= x.s.significance:
                concentrated = share >= x.s.breach_share_pct / 100
                severity = _clamp(share / 0.5) * _clamp((lift - 1) / 2) * (1.0 if concentrated else 0.5)
                s = (f"{_capital(who)} accounted for {nb:,} of the {total_b:,} resolution SLA breaches in {x.label} "
                     f"({_pct(100 * share)}), from {_pct(100 * n / total_n)} of the incidents resolved: "
                     f"{n - nb:,} of its {n:,} were resolved within target ({_pct(sla, target)}{against}).") + tail
                action = (f"Agree a recovery plan for {who} with the teams and any supplier involved: go through "
                          f"its {nb:,} breached incidents, the hand-offs between groups and the delays, and set a "
                          f"date to be back on target.")
                strong.append(x.finding("breach_concentration", Subject(dim, name), s, action, severity, n, evidence))
            elif target is not None and sla <= target - 10 and nb >= 2 and n >= x.min_base and chance <= 0.1:
                s = (f"Only {n - nb:,} of the {n:,} incidents {_in_subject(dim, name)} resolved in {x.label} met their resolution "
                     f"target ({_pct(sla, target)}{against}).") + tail
                action = (f"Review the {nb:,} breached incidents {_in_subject(dim, name)} with their resolver group and agree what "
                          f"would have kept them within target.")
                severity = _clamp((target - sla) / 30) * _clamp(n / 20)
                weak.append(x.finding("area_below_target", Subject(dim, name), s, action, severity, n, evidence,
                                      headline=False))
    strong = _merge_dimensions(strong, ("count", "base"))
    told = {(f.evidence["count"], f.evidence["base"]) for f in strong}
    weak = [f for f in weak if (f.evidence["count"], f.evidence["base"]) not in told]
    return strong + _merge_dimensions(weak, ("count", "base"))


def priority_miss(x: _Ctx) -> list[Finding]:
    t = x.m.totals
    target = x.target("resolution_sla_pct")
    total_b, total_n = t.resolution_sla_breaches or 0, t.resolution_sla_base or 0
    out = []
    for prio, f in x.m.by_priority.items():
        nb, n = f.resolution_sla_breaches, f.resolution_sla_base
        if not nb or not n:
            continue
        sla_target = x.m.sla.get(prio)
        hours = sla_target.resolve_hours if sla_target is not None else None
        goal = f"{u.fmt_target(hours, 'hours')} resolution target" if hours is not None else "resolution target"
        expected = total_b * n / total_n if total_n else 0.0
        unusual = n < total_n and nb >= 3 and poisson_sf(nb, expected) <= x.s.significance
        far_below = target is not None and f.resolution_sla_pct is not None and f.resolution_sla_pct < 0.9 * target
        if prio == "P1":
            severity = _clamp(0.5 + nb / 4)
        elif prio == "P2" and (far_below or unusual):
            severity = 0.6 * _clamp(nb / 6)
        elif unusual:
            severity = 0.4 * _clamp((nb / expected - 1) / 2)
        else:
            continue
        if n == 1:
            s = f"The only {prio} incident resolved in {x.label} missed its {goal}."
        elif nb == n:
            s = f"All {n:,} {prio} incidents resolved in {x.label} missed their {goal}."
        else:
            s = (f"{nb:,} of the {n:,} {prio} incidents resolved in {x.label} missed their {goal} "
                 f"({_pct(f.resolution_sla_pct, target)} within it).")
        action = (f"Review each {prio} incident that missed its target with the resolver groups involved, and "
                  f"tighten the {prio} escalation path where time was lost.")
        out.append(x.finding("priority_miss", Subject("priority", prio), s, action, severity, n,
                             {"value": f.resolution_sla_pct, "target": target, "count": nb, "base": n,
                              "target_hours": hours}))
    return out


def recurring_problem(x: _Ctx) -> list[Finding]:
    out = []
    for cand in x.m.problem_candidates[:MAX_PROBLEM_FINDINGS]:
        count = int(getattr(cand, "count", 0) or 0)
        if count < 2:
            continue
        service = getattr(cand, "service", None)
        kind = getattr(cand, "signature_kind", None)
        signature = getattr(cand, "signature", None) or getattr(cand, "category", None) or ""
        span = getattr(cand, "span_hours", None)
        ids = [str(i) for i in getattr(cand, "incident_ids", [])]
        what = {"configuration_item": f"configuration item {signature}", "subcategory": f"subcategory {signature}",
                "title": f"the fault “{signature}”"}.get(kind or "", f"{signature}")
        where = f" on {service}" if service else ""
        when = ""
        if getattr(cand, "reason", "") == "repeat":
            when = ", each within days of the previous fix"
        elif span is not None:
            when = f" within {u.fmt_duration(span)}" if span < 48 else f" within {max(1, round(span / 24))} days"
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        s = f"{count:,} incidents{where} shared {what}{when} ({shown}): a likely common cause."
        top = getattr(cand, "top_priority", None)
        severity = _clamp(count / 6) * (1.0 if span is not None and span <= 72 else 0.85) \
            * (1.0 if top in ("P1", "P2") else 0.9)
        action = (f"Raise a problem record for the recurring {what} incidents{where} and assign the root-cause "
                  f"analysis, with a workaround for the service desk meanwhile.")
        out.append(x.finding("recurring_problem", Subject("problem", f"{service or ''}: {signature}"), s, action,
                             severity, count,
                             {"count": count, "span_hours": span, "signature_kind": kind, "signature": signature,
                              "service": service, "incident_ids": ids, "expected": getattr(cand, "expected", None)},
                             owner_keys=[("service", service), ("category", getattr(cand, "category", None))]))
    return out


def _major_usual(x: _Ctx, attr: str, base_attr: str, mi_id: str) -> float | None:
    """The usual value of a major incident's figure: the baseline median over at least three
    majors, else the median over this period's other majors (at least two)."""
    b = x.base
    if b is not None and b.majors >= 3 and getattr(b, base_attr) is not None:
        return float(getattr(b, base_attr))
    others = sorted(v for m in x.m.major_incidents if m.incident_id != mi_id
                    and (v := getattr(m, attr)) is not None)
    if len(others) < 2:
        return None
    mid = len(others) // 2
    return float(others[mid]) if len(others) % 2 else (others[mid - 1] + others[mid]) / 2


def _far_above(x: _Ctx, mi: Any, attr: str, base_attr: str, least: float) -> tuple[float, float, float] | None:
    """(value, usual, ratio) when a major incident's figure is at least three times the usual
    major incident's (_major_usual) and at least `least`; else None."""
    value, usual = getattr(mi, attr), _major_usual(x, attr, base_attr, mi.incident_id)
    if value is None or not usual or value < 3 * usual or value < least:
        return None
    return value, usual, value / usual


def major_impact(x: _Ctx) -> list[Finding]:
    out = []
    contacts = {i.incident_id: i for i in (x.m.contacts.incidents if x.m.contacts is not None else [])}
    month_customers = x.m.totals.customers_affected
    for mi in x.m.major_incidents:
        parts, severity, ev = [], 0.0, {}
        cust = mi.customers_affected
        if (far := _far_above(x, mi, "customers_affected", "major_customers_median", 10)) is not None:
            _, usual, ratio = far
            parts.append(f"affected {cust:,} customers, {u.fmt_ratio(ratio)} the usual major incident ({round(usual):,})")
            severity = max(severity, _clamp(math.log10(ratio)))
            ev.update(customers=cust, usual_customers=usual, customers_ratio=ratio)
        elif cust is not None and month_customers and cust >= 0.5 * month_customers and cust >= 1000 \
                and _major_usual(x, "customers_affected", "major_customers_median", mi.incident_id) is None:
            parts.append(f"affected {cust:,} customers, {_pct(100 * cust / month_customers)} of all customers "
                         f"affected in {x.label}")
            severity = max(severity, 0.6)
            ev.update(customers=cust, month_share_pct=100 * cust / month_customers)
        if (far := _far_above(x, mi, "contacts_affected", "major_contacts_median", 10)) is not None:
            cont, usual, ratio = far
            parts.append(f"caused {int(cont):,} contacts ({u.fmt_ratio(ratio)} the usual {round(usual):,})")
            severity = max(severity, _clamp(math.log10(ratio)))
            ev.update(contacts=cont, usual_contacts=usual, contacts_ratio=ratio)
        if (far := _far_above(x, mi, "duration_hours", "major_duration_median", 4)) is not None:
            dur, usual, ratio = far
            parts.append(f"lasted {u.fmt_duration(dur)} against a usual {u.fmt_duration(usual)}")
            severity = max(severity, 0.7 * _clamp(math.log10(ratio)))
            ev.update(duration_hours=dur, usual_duration_hours=usual)
        inc = contacts.get(mi.incident_id)
        if inc is not None:
            during, usual = inc.during.service_level_pct, inc.baseline.service_level_pct
            if during is not None and usual is not None and usual - during >= 10:
                parts.append(f"took service level down to {_pct(during)} while it was open ({_pct(usual)} at "
                             f"the same hours in earlier weeks)")
                severity = max(severity, _clamp((usual - during) / 30))
                ev.update(service_level_pct=during, usual_service_level_pct=usual)
        if not parts:
            continue
        title = f" ({' '.join(str(mi.title).split())[:80]})" if mi.title else ""
        s = f"Major incident {mi.incident_id}{title} " + u.join_words(parts) + "."
        action = (f"Use the review of {mi.incident_id} to find what would have contained it sooner: detection, "
                  f"customer messaging, staffing and escalation.")
        ev.update(incident_id=mi.incident_id, priority=mi.priority, service=mi.service)
        out.append(x.finding("major_impact", Subject("major_incident", mi.incident_id), s, action, severity,
                             None, ev, owner_keys=[("service", mi.service), ("category", mi.category)]))
    return out


def customer_impact(x: _Ctx, majors: list[Finding]) -> list[Finding]:
    c = x.m.totals.customers_affected
    b = x.base
    if c is None or b is None or b.totals.customers_affected is None:
        return []
    expected = b.totals.customers_affected * b.scale()
    if expected <= 0 or c < x.s.baseline_ratio * expected:
        return []
    prev = x.m.previous.totals.customers_affected if x.prev_ok and x.m.previous is not None else None
    if prev is not None and c < 1.25 * prev:
        return []
    explained = sum(f.evidence.get("customers", 0) for f in majors)
    if explained >= 0.5 * (c - expected):
        return []  # the major incident's finding tells this story
    ratio = c / expected
    s = (f"{c:,} customers were affected by incidents in {x.label}, {u.fmt_ratio(ratio)} the usual "
         f"{round(expected):,} (the average over {x.usual_words()})")
    s += f" and up from {prev:,} in {x.prev_label}." if prev is not None else "."
    action = ("Find which services and incidents reached so many customers, and review the proactive "
              "messaging (IVR, web banner, status page) used for them.")
    return [x.finding("customer_impact", Subject("centre"), s, action, _clamp((ratio - 1) / 2), None,
                      {"value": c, "baseline": expected, "previous": prev, "ratio": ratio})]


def volume_rise(x: _Ctx) -> list[Finding]:
    b = x.base
    if b is None:
        return []
    scale = b.scale()
    total = x.m.totals.opened or 0
    out = []
    subjects: list[tuple[str, str, Figures, Figures | None]] = [("centre", "", x.m.totals, b.totals)]
    for dim in _dims(x):
        for name, f in x.m.breakdown(dim).items():
            subjects.append((dim, name, f, b.breakdown(dim).get(name)))
    centre_e = (b.totals.opened or 0) * scale
    centre_ratio = total / centre_e if centre_e > 0 else 1.0
    for dim, name, f, base in subjects:
        o = f.opened or 0
        e = (base.opened or 0) * scale if base is not None else 0.0
        if o - e < MIN_EXCESS or o < x.s.baseline_ratio * max(e, 0.5):
            continue
        if dim != "centre" and e > 0 and o / e < 1.2 * centre_ratio:
            continue  # it follows the whole centre's rise: that finding tells it
        if poisson_sf(o, max(e, 0.5)) > x.s.significance:
            continue
        ratio = o / e if e > 0 else None
        reach = _clamp((o - e) / max(0.1 * total, 1))
        severity = (_clamp((ratio - 1) / 2) if ratio is not None else 1.0) * reach
        who = "Incidents across the centre" if dim == "centre" else f"Incidents {_in_subject(dim, name)}"
        usual = f"the usual {round(e):,}" if e >= 1 else "almost none usually"
        s = (f"{who} rose to {o:,} in {x.label}, "
             + (f"{u.fmt_ratio(ratio)} {usual}" if ratio is not None and e >= 1 else usual)
             + f" (the average over {x.usual_words()}).")
        prev = x.m.previous.breakdown(dim).get(name) if dim != "centre" and x.prev_ok and x.m.previous else None
        prev_o = (x.m.previous.totals.opened if dim == "centre" and x.prev_ok and x.m.previous else
                  prev.opened if prev is not None else None)
        if prev_o is not None:
            s = s[:-1] + f"; {x.prev_label} had {prev_o:,}."
        target = "incidents across the centre" if dim == "centre" else f"{_subject_words(dim, name)} incidents"
        action = (f"Find the cause of the rise in {target}: check for a common fault, a change or a release, "
                  f"and raise a problem record if it is one.")
        out.append(x.finding("volume_rise", Subject(dim, name), s, action, severity, o,
                             {"value": o, "baseline": e, "previous": prev_o, "ratio": ratio, "excess": o - e}))
    return _merge_dimensions(_explained(out), ("value",))


def _explained(found: list[Finding]) -> list[Finding]:
    """Drops the whole centre's finding when one area's excess explains most of it."""
    centre = [f for f in found if f.subject.dimension == "centre"]
    areas = [f for f in found if f.subject.dimension != "centre"]
    if centre and areas and max(f.evidence["excess"] for f in areas) >= 0.5 * centre[0].evidence["excess"]:
        return areas
    return found


def ttr_rise(x: _Ctx) -> list[Finding]:
    b = x.base
    if b is None:
        return []
    total = x.m.totals.resolved or 0
    out = []
    subjects: list[tuple[str, str, Figures, Figures | None]] = [("centre", "", x.m.totals, b.totals)]
    for dim in _dims(x):
        for name, f in x.m.breakdown(dim).items():
            subjects.append((dim, name, f, b.breakdown(dim).get(name)))
    target = x.target("mttr_hours")
    now = x.m.totals.mttr_hours
    for dim, name, f, base in subjects:
        n, m = f.resolved or 0, f.mttr_hours
        if base is None or m is None or base.mttr_hours is None or (base.resolved or 0) < x.min_base or n < x.min_base:
            continue
        usual = base.mttr_hours
        if usual <= 0 or m < x.s.baseline_ratio * usual or m - usual < 2:
            continue
        ratio = m / usual
        if (ratio - 1) * math.sqrt(n) < 3:  # a mean of n skewed durations varies by about 1/sqrt(n)
            continue
        if dim != "centre" and now and m < x.s.baseline_ratio * now:
            continue  # no slower than the whole centre this month: the centre's finding tells it
        severity = _clamp((ratio - 1) / 2) * _clamp(n / max(0.1 * total, 1))
        who = "across the centre" if dim == "centre" else _in_subject(dim, name)
        s = (f"Incidents {who} took {_hours(m, target)} on average to resolve in {x.label} ({n:,} resolved), "
             f"{u.fmt_ratio(ratio)} the usual {_hours(usual)} over {x.usual_words()}.")
        action = (f"Go through the slowest incidents {who} with the resolver group: where did they wait "
                  f"(hand-offs, suppliers, parts, approvals), and what removes the wait.")
        out.append(x.finding("ttr_rise", Subject(dim, name), s, action, severity, n,
                             {"value": m, "baseline": usual, "ratio": ratio, "count": n,
                              "excess": n * (m - usual)}))
    return _merge_dimensions(_explained(out), ("count", "value"))


def _fold_ttr(sla: list[Finding], ttr: list[Finding]) -> list[Finding]:
    """A slow area that is also where the SLA misses are is one story: its rise against its
    own baseline joins the SLA finding's statement."""
    kept = []
    for f in ttr:
        twin = next((g for g in sla if _names(g) & _names(f)), None)
        if twin is None:
            kept.append(f)
            continue
        twin.evidence["mttr_baseline"] = f.evidence["baseline"]
        twin.statement += (f" That is {u.fmt_ratio(f.evidence['ratio'])} its own usual time to resolve "
                           f"({_hours(f.evidence['baseline'])}).")
    return kept


def _names(f: Finding) -> set[tuple[str, str]]:
    return {(f.subject.dimension, f.subject.name),
            *((a["dimension"], a["name"]) for a in f.evidence.get("also", []))}


def backlog(x: _Ctx) -> list[Finding]:
    t = x.m.totals
    out = []
    bl = t.backlog_end
    if bl is None:
        return []
    prev = x.m.previous.totals.backlog_end if x.prev_ok and x.m.previous is not None else None
    usual = x.base.backlog_mean if x.base is not None else None
    opened = t.opened or 0
    if prev is not None and bl > 1.1 * prev and bl - prev >= max(MIN_EXCESS, 0.02 * opened) \
            and (usual is None or bl >= x.s.baseline_ratio * usual or bl - usual >= 2 * MIN_EXCESS):
        growth = _clamp((bl - prev) / max(prev, 1) / 0.5) * _clamp((bl - prev) / max(0.05 * opened, 1))
        s = (f"The backlog grew to {bl:,} open incidents at {x.end_of}, {u.change_words(bl, prev)} at "
             f"{x.prev_end_of}")
        s += f"; it has averaged {round(usual):,} over {x.usual_words()}." if usual is not None else "."
        action = ("Hold a backlog review with each resolver group: confirm every open incident has an owner "
                  "and a next action, and close what is already fixed.")
        out.append(x.finding("backlog_growth", Subject("backlog"), s, action, growth, bl,
                             {"value": bl, "previous": prev, "baseline": usual}))
    ageing = x.m.ageing
    old = ageing.total.get(">30d") if ageing is not None else None
    if old and old >= 5 and bl and old >= 0.1 * bl:
        s = f"{old:,} of the {bl:,} open incidents at {x.end_of} had been open for more than 30 days."
        action = (f"Close, resolve or move to problem management the {old:,} incidents open for more than 30 days, "
                  f"oldest first.")
        out.append(x.finding("backlog_ageing", Subject("backlog", "over 30 days"), s, action,
                             _clamp(old / bl / 0.3) * _clamp(old / 10), bl, {"value": old, "base": bl}))
    return out


def overdue_review(x: _Ctx) -> list[Finding]:
    last = x.last_day.isoformat()
    overdue = []
    for mi in x.m.major_incidents:
        if mi.review_due is None or mi.review_due > last:
            continue
        status = x.pir.get(mi.incident_id) if x.pir is not None else None
        if status in DONE_REVIEWS:
            continue
        overdue.append((mi, status))
    if not overdue:
        return []
    ids = [mi.incident_id for mi, _ in overdue]
    shown = u.join_words(ids[:4] + ([f"{len(ids) - 4} more"] if len(ids) > 4 else []))
    n = len(ids)
    if x.pir is None:
        s = (f"{'No post-incident review is' if n == 1 else 'No post-incident reviews are'} on record for "
             f"{u.plural(n, 'major incident')} whose review was due by {x.end_of}: {shown}.")
    else:
        s = (f"{u.plural(n, 'post-incident review')} {'is' if n == 1 else 'are'} overdue at "
             f"{x.end_of}: {shown}.")
        k = x.overdue_actions  # from the PIR action register, when the reviews were given
        if k:
            s = s[:-1] + (f"; {u.plural(k, 'review action')} {'is' if k == 1 else 'are'} past "
                          f"{'its' if k == 1 else 'their'} due date.")
    action = (f"Complete the overdue {'review' if n == 1 else 'reviews'} ({shown}), agree the actions and "
              f"owners, and record the status.")
    weight = 1.0 if x.pir is not None else 0.7
    # Without review records the report cannot know a review is late: a recommendation to
    # confirm, not a headline.
    evidence: dict[str, Any] = {"count": n, "incident_ids": ids, "due": [mi.review_due for mi, _ in overdue],
                                "statuses": [st for _, st in overdue]}
    if x.pir is not None:  # only review records can say how many actions are late
        evidence["overdue_actions"] = x.overdue_actions
    return [x.finding("overdue_review", Subject("major_incident", ids[0] if n == 1 else ""), s, action,
                      weight * _clamp(0.5 + 0.25 * n), n, evidence, headline=x.pir is not None)]


TARGET_WORDS = {
    "resolution_sla_pct": ("resolution SLA attainment", "Review resolver-group capacity and the oldest open "
                           "incidents at the weekly service review until attainment is back on target."),
    "response_sla_pct": ("response SLA attainment", "Check triage staffing and queue alerts against the hours "
                         "when incidents are logged."),
    "mtta_hours": ("mean time to acknowledge", "Check triage staffing and queue alerts against the hours when "
                   "incidents are logged."),
    "mttr_hours": ("mean time to resolve", "Look at the slowest categories and the longest-running incidents "
                   "with the resolver groups and agree what removes the delays."),
    "reopen_rate_pct": ("the reopen rate", "Sample reopened incidents to check how fixes are confirmed with the "
                        "customer before resolution."),
    "escalation_rate_pct": ("the escalation rate", "Review what first line could resolve with better knowledge "
                            "articles or access."),
    "csat_mean": ("post-incident CSAT", "Read the low-scoring incidents' comments and agree one change to "
                  "how incidents are handled or communicated."),
}


CONTACT_TARGET_WORDS = {
    "service_level_pct": ("the contact centre's service level", "Re-plan staffing and breaks against the "
                          "intervals that missed service level, and check the incidents that drove contacts up."),
    "abandonment_pct": ("contact abandonment", "Check the intervals with the most abandoned contacts and what "
                        "messaging callers heard while they waited."),
    "aht_seconds": ("average handle time", "Sample long contacts for the systems and incidents that slowed "
                    "advisers down, and fix the top cause."),
}


def contact_target_missed(x: _Ctx) -> list[Finding]:
    """The contact centre's own figures (`--contacts`) against their targets, for the period."""
    c = x.m.contacts
    if c is None:
        return []
    out = []
    threshold = getattr(c, "sl_threshold_seconds", None)
    for key, (words, action) in CONTACT_TARGET_WORDS.items():
        value, target = getattr(c.period, key, None), x.target(key)
        if value is None or target is None:
            continue
        better = CONTACT_BY_KEY[key].higher_is_better
        if (value >= target) if better else (value <= target):
            continue
        unit = CONTACT_BY_KEY[key].unit
        shown = u.fmt_seconds(value) if unit == "seconds" else u.fmt_pct(value, target=target)
        goal = u.fmt_seconds(target) if unit == "seconds" else u.fmt_target(target, unit)
        if key == "service_level_pct" and threshold:
            goal += f" answered within {threshold:g} s"
        gap = abs(value - target) / target if target else 1.0
        s = f"{_capital(words)} was {shown} in {x.label}, against a target of {goal}."
        out.append(x.finding("target_missed", Subject("centre", key), s, action, _clamp(gap / 0.1),
                             c.period.offered, {"metric": key, "value": value, "target": target}))
    return out


def target_missed(x: _Ctx) -> list[Finding]:
    t = x.m.totals
    out = []
    for key, (words, action) in TARGET_WORDS.items():
        value, target = getattr(t, key), x.target(key)
        if value is None or target is None:
            continue
        better = BY_KEY[key].higher_is_better
        missed = value < target if better else value > target
        if not missed:
            continue
        gap = abs(value - target) / target if target else 1.0
        unit = BY_KEY[key].unit
        shown = u.fmt_unit(value, unit, target=target)
        base = t.resolution_sla_base if key == "resolution_sla_pct" else \
            t.response_sla_base if key == "response_sla_pct" else None
        count = ""
        if key == "resolution_sla_pct" and t.resolution_sla_breaches is not None:
            count = f": {t.resolution_sla_breaches:,} of {base:,} incidents missed their resolution target"
        elif key == "response_sla_pct" and t.response_sla_breaches is not None:
            count = f": {t.response_sla_breaches:,} of {base:,} incidents were acknowledged late"
        s = f"{_capital(words)} was {shown} in {x.label}, against a target of {u.fmt_target(target, unit)}{count}."
        out.append(x.finding("target_missed", Subject("centre", key), s, action, _clamp(gap / 0.1), base,
                             {"metric": key, "value": value, "target": target}))
    return out


def data_quality(x: _Ctx) -> list[Finding]:
    dq = x.m.data_quality
    parts = [(dq.rows_rejected, "rows rejected"), (dq.unknown_priority, "incidents with an unknown priority"),
             (dq.unparsed_timestamps, "unreadable timestamps")]
    parts = [(n, w) for n, w in parts if n]
    if not parts:
        return []
    bad = sum(n for n, _ in parts)
    share = bad / max(dq.rows_read or dq.incidents or 1, 1)
    s = ("The export had " + u.join_words([f"{n:,} {w}" for n, w in parts])
         + f" ({_pct(100 * share)} of the rows read), so some incidents are not counted fully.")
    action = "Correct the source records or the column mapping so that every incident is counted."
    return [x.finding("data_quality", Subject("data"), s, action, _clamp(share / 0.05), dq.rows_read,
                      {"count": bad, "share_pct": 100 * share}, headline=share >= 0.025)]


# --------------------------------------------------------------------------- entry point


def find(ms: MetricSet, settings: FindingsSettings | None = None, *, min_base: int = 5,
         pir_statuses: Mapping[str, str] | None = None, overdue_actions: int = 0) -> list[Finding]:
    """The period's findings, most impact first (ties: rule number, then subject name).
    `overdue_actions`: how many review actions are past their due date (the PIR register's
    count), told in the overdue-review finding.

    A period the export does not cover has none (there is nothing to compare)."""
    if not ms.covered:
        return []
    x = _Ctx(ms, settings or FindingsSettings(), min_base, pir_statuses, overdue_actions)
    majors = major_impact(x)
    sla = breach_concentration(x)
    found = [*majors, *sla, *priority_miss(x), *recurring_problem(x), *customer_impact(x, majors),
             *volume_rise(x), *_fold_ttr(sla, ttr_rise(x)), *backlog(x), *overdue_review(x),
             *target_missed(x), *contact_target_missed(x), *data_quality(x)]
    found = [f for f in found if f.impact > 0]
    found.sort(key=lambda f: (-f.impact, f.rule, f.subject.dimension, f.subject.name))
    return found


def headlines(findings: list[Finding], limit: int) -> list[Finding]:
    """The findings that lead the executive summary: the `limit` with most impact that may,
    at most HEADLINES_PER_RULE of one rule."""
    out: list[Finding] = []
    per_rule: dict[int, int] = {}
    for f in findings:
        if not f.headline or f.impact < HEADLINE_IMPACT or per_rule.get(f.rule, 0) >= HEADLINES_PER_RULE:
            continue
        per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
        out.append(f)
        if len(out) >= limit:
            break
    return out
