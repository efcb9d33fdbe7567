"""Wording shared by every document: the RAG rule, plurals, lists of words, nested look-ups.

Numbers are not formatted here: `ccreport.units` owns every number a reader sees. Its names are
re-exported below so that `from . import common as c; c.fmt_pct(...)` keeps working in the
document builders until they import from `ccreport.units` directly.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..document import Rag
from ..units import (  # noqa: F401  (re-exported for documents/*.py)
    DASH, FORMATTERS, MINUS, NBSP, NOT_IN_EXPORT, change_words, fmt_change, fmt_date, fmt_datetime,
    fmt_duration, fmt_hours, fmt_int, fmt_metric, fmt_minutes, fmt_pct, fmt_score, fmt_seconds,
    fmt_target, join_words, month_label, plural, present, short_month,
)
from ..units import is_missing as _missing

# --------------------------------------------------------------------------- RAG

#: The RAG rule, written once so the appendix and the code cannot disagree.
RAG_RULE = (
    "Green: the figure meets its target. Amber: it misses the target by no more than 10 % of "
    "the target (for example, 85.5 % or better against a 95 % SLA target, or up to 13.2 h "
    "against a 12 h MTTR target). Red: it misses by more than that. Figures without a target "
    "have no status."
)


def rag_status(value: Any, target: Any, higher_is_better: bool = True) -> Rag | None:
    """Green meets the target, Amber within 10 % of it, Red worse; None without a target."""
    if _missing(value) or _missing(target):
        return None
    if higher_is_better:
        if value >= target:
            return Rag.GREEN
        return Rag.AMBER if value >= target * 0.9 else Rag.RED
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value <= target * 1.1 else Rag.RED


# --------------------------------------------------------------------------- words


def get(mapping: Mapping | None, *keys: str, default: Any = None) -> Any:
    """Nested lookup that tolerates missing levels: get(m, "previous", "totals", "opened")."""
    cur: Any = mapping
    for k in keys:
        if not isinstance(cur, Mapping) or k not in cur:
            return default
        cur = cur[k]
    return default if cur is None else cur


# --------------------------------------------------------------------------- provenance


def fmt_bytes(size: int) -> str:
    """12345 -> "12.1 KB (12,345 bytes)"; the exact count is what a check compares."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit} ({fmt_int(size)} bytes)"
    return f"{fmt_int(size)} bytes"


_ROLE_WORDS = {"incidents": "Incident export", "events": "Timeline events", "contacts": "Contact-centre data",
               "mapping": "Column mapping", "strategy": "Strategy file", "narrative": "Review narrative"}


def _setting_text(value: Any) -> str:
    """A setting as compact text: mappings as "key: value; ...", lists joined, none as a dash."""
    if value is None or value == {} or value == []:
        return DASH
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_setting_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_setting_text(v) for v in value) or DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _sla_text(sla: Mapping[str, Any]) -> str:
    """"P1: respond 15 min, resolve 4 h, 24x7; P3: ..." from the SLA targets per priority."""
    out = []
    for prio, t in sla.items():
        bits = [f"{word} {fmt_target(t.get(key), 'hours')}" for key, word in
                (("respond", "respond"), ("resolve", "resolve"), ("update", "update every")) if t.get(key) is not None]
        cal = t.get("calendar") or "24x7"
        out.append(f"{prio}: {', '.join(bits) or 'no targets'}, {'round the clock' if cal == '24x7' else cal + ' hours'}")
    return "; ".join(out) or DASH


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _calendar_text(calendars: Mapping[str, Any]) -> str:
    """"office: Mon–Fri 08:00-18:00, holidays GB (ENG) and 2 more dates"."""
    out = []
    for name, cal in calendars.items():
        days = [d for d in _DAYS if d in (cal.get("days") or ())]
        idx = [_DAYS.index(d) for d in days]
        run = len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1))
        words = f"{days[0].title()}–{days[-1].title()}" if run else ", ".join(d.title() for d in days)
        text = f"{name}: {words} {cal.get('hours', '')}".rstrip()
        hol = cal.get("holidays") or {}
        if hol.get("country"):
            text += f", public holidays of {hol['country']}" + (f" ({hol['subdivision']})" if hol.get("subdivision") else "")
        if hol.get("dates"):
            text += f", {plural(len(hol['dates']), 'further closed date')}"
        out.append(text)
    return "; ".join(out) or "none (every SLA runs round the clock)"


def _targets_text(targets: Mapping[str, Any]) -> str:
    from ..metrics.definitions import BY_KEY, CONTACT_BY_KEY

    out = []
    for key, value in targets.items():
        metric = BY_KEY.get(key) or CONTACT_BY_KEY.get(key)
        out.append(f"{metric.label}: {fmt_target(value, metric.unit)}" if metric else f"{key}: {value}")
    return "; ".join(out) or DASH


#: The settings shown, in order, with their reader's names.
_SETTING_WORDS = (("timezone", "Timezone"), ("preset", "Export format read as"),
                  ("dayfirst", "Day before month in dates"), ("calendars", "Business-hours calendars"),
                  ("sla", "SLA targets"), ("pause_states", "States that pause the SLA clock"),
                  ("priority_map", "Priority mapping"), ("targets", "Report targets"))


def provenance_section(prov: Any) -> Any:
    """The closing appendix that ties the document to what it was made from: each input
    file's name, size, rows read and SHA-256; the configuration and the settings that change
    figures; the software versions; the period, the time of the run and the command that
    reproduces it. `prov`: a ccreport.provenance.Provenance (the facts, gathered by the
    application; nothing is read or hashed here)."""
    from ..document import Column, Paragraph, Section, Table, md_escape

    sec = Section("Provenance", appendix=True)
    when = prov.run_at.replace("T", " ").replace("Z", " UTC") if prov.run_at else DASH
    period = f" for {md_escape(prov.period_label)}" if prov.period_label else ""
    sec.add(Paragraph(f"This document was produced{period} on {md_escape(when)} from the files below. "
                      "The SHA-256 fingerprints identify each file exactly: the same files, settings and "
                      "software versions give the same figures."))
    if prov.inputs:
        rows = [[_ROLE_WORDS.get(f.role, f.role), f.name, fmt_bytes(f.size),
                 fmt_int(f.rows) if f.rows is not None else DASH] for f in prov.inputs]
        sec.add(Table([Column("Input"), Column("File"), Column("Size", numeric=True),
                       Column("Rows read", numeric=True)], rows, caption="Input files"))
        # The fingerprints in a table of their own: 64 characters fit on one line to copy.
        sec.add(Table([Column("File"), Column("SHA-256", nowrap=True)], [[f.name, f.sha256] for f in prov.inputs],
                      caption="Input file fingerprints"))
    settings = [["Configuration file", prov.config_file or "none (built-in defaults)"]]
    if prov.config_sha256:
        settings.append(["Configuration SHA-256", prov.config_sha256])
    words = {"sla": _sla_text, "calendars": _calendar_text, "targets": _targets_text}
    settings += [[label, words.get(key, _setting_text)(prov.settings.get(key) or {}) if key in words
                  else _setting_text(prov.settings.get(key))] for key, label in _SETTING_WORDS if key in prov.settings]
    sec.add(Table([Column("Setting"), Column("Value")], settings, caption="Settings that change the figures"))
    software = [[name, version or "not installed"] for name, version in prov.versions.items()]
    if software:
        sec.add(Table([Column("Software"), Column("Version")], software, caption="Software versions"))
    if prov.command_line:
        sec.add(Table([Column("Command line to re-run (secrets left out)")], [[prov.command_line]],
                      caption="Command line"))
    return sec
