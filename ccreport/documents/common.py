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


#: The settings shown, in order, with their reader's names.
_SETTING_WORDS = (("timezone", "Timezone"), ("preset", "Export format read as"), ("dayfirst", "Day before month in dates"),
                  ("calendars", "Business-hours calendars"), ("sla", "SLA targets (hours)"),
                  ("pause_states", "States that pause the SLA clock"), ("priority_map", "Priority mapping"),
                  ("targets", "Report targets"))


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
                 fmt_int(f.rows) if f.rows is not None else DASH, f.sha256] for f in prov.inputs]
        sec.add(Table([Column("Input"), Column("File"), Column("Size", numeric=True),
                       Column("Rows read", numeric=True), Column("SHA-256")], rows, caption="Input files"))
    settings = [["Configuration file", prov.config_file or "none (built-in defaults)"]]
    if prov.config_sha256:
        settings.append(["Configuration SHA-256", prov.config_sha256])
    settings += [[label, _setting_text(prov.settings.get(key))] for key, label in _SETTING_WORDS
                 if key in prov.settings]
    sec.add(Table([Column("Setting"), Column("Value")], settings, caption="Settings that change the figures"))
    software = [[name, version or "not installed"] for name, version in prov.versions.items()]
    if software:
        sec.add(Table([Column("Software"), Column("Version")], software, caption="Software versions"))
    if prov.command_line:
        sec.add(Table([Column("Command line to re-run (secrets left out)")], [[prov.command_line]],
                      caption="Command line"))
    return sec
