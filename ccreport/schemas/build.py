"""Build the JSON Schemas (draft 2020-12) of `ccreport metrics --format json` and `--full`
from the typed model, so a figure added to the registry or a field added to a record reaches
the schema without anyone writing it twice (issue 19, item 4).

The shipped files (`ccreport/schemas/metrics.schema.json`, `metrics-full.schema.json`) are
what `ccreport metrics --schema [--full]` prints; `python -m ccreport.schemas.build` rewrites
them, and `tests/test_metrics_schema.py` fails when they differ from what this module builds
or when a real output does not validate. docs/metrics.md states the compatibility policy.

The schemas list every key the output has and require it (a key is never left out: a value
that is unknown is null), and allow keys they do not list (`additionalProperties` is not
false), so a consumer validating with this version's schema keeps working when a later
release of the same `format_version` adds keys.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, Union

HERE = Path(__file__).resolve().parent
DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES = {False: "metrics.schema.json", True: "metrics-full.schema.json"}
ID = "https://ccreport.invalid/schemas/{name}"  # a name, not a place: the schema is shipped in the package


def _simple(s: dict) -> bool:
    return set(s) == {"type"}


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        """The schema of a Python annotation."""
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp is type(None):
            return {"type": "null"}
        if origin in (Union, types.UnionType):
            subs = [self.of(a) for a in args]
            if all(_simple(s) for s in subs):
                names: list[str] = []
                for s in subs:
                    for t in s["type"] if isinstance(s["type"], list) else [s["type"]]:
                        if t not in names:
                            names.append(t)
                return {"type": names if len(names) > 1 else names[0]}
            return {"anyOf": subs}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is str:
            return {"type": "string"}
        if tp is Any:
            return {}
        if origin in (list, tuple):
            return {"type": "array", "items": self.of(args[0]) if args else {}}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(args[1]) if args else {}}
        if dataclasses.is_dataclass(tp):
            return self.record(tp)
        raise TypeError(f"no schema for {tp!r}")

    def record(self, cls: type, drop: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> dict[str, Any]:
        """A dataclass as it is written by `asdict`: a $defs entry and a reference to it."""
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # a placeholder while its fields are built (recursion)
            hints = typing.get_type_hints(cls)
            props = {f.name: self.of(hints[f.name]) for f in dataclasses.fields(cls) if f.name not in drop}
            self.defs[name] = {"type": "object", "properties": props,
                               "required": [k for k in props if k not in optional]}
        return {"$ref": f"#/$defs/{name}"}

    def define(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        self.defs[name] = schema
        return {"$ref": f"#/$defs/{name}"}


def _obj(props: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": [k for k in props if k not in optional]}


def _keyed(value: dict[str, Any]) -> dict[str, Any]:
    """An object keyed by data (priorities, group names, channels)."""
    return {"type": "object", "additionalProperties": value}


def build(full: bool) -> dict[str, Any]:
    """The schema of `metrics --format json` (`full` False) or `--full`."""
    from ..findings.model import Finding, Subject
    from ..metrics import model
    from ..metrics.definitions import Figures, keys

    b = _Builder()
    hints = typing.get_type_hints(Figures)

    def figures(name: str, names: tuple[str, ...]) -> dict[str, Any]:
        return b.define(name, _obj({k: b.of(hints[k]) for k in names}))

    totals = figures("Totals" if full else "CoreTotals", keys("totals", core_only=not full))
    groups = figures("GroupFigures" if full else "CoreGroupFigures", keys("groups", core_only=not full))
    trend_props = {"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                   **{k: b.of(hints[k]) for k in model.TREND_ORDER}}
    if full:
        trend_props["covered"] = {"type": "boolean"}
    trend = b.define("TrendMonth", _obj(trend_props))
    instant = {"type": "string", "format": "date-time"}
    period_props = {"start": instant, "end": instant, "timezone": {"type": "string"}}
    if full:
        period_props |= {"label": {"type": "string"}, "month": {"type": ["string", "null"]}}
    period = b.define("Period", _obj(period_props))
    issue = b.define("QualityIssue", _obj({"row": {"type": ["integer", "null"]}, "field": {"type": "string"},
                                           "problem": {"type": "string"}, "file": {"type": "string"}},
                                          optional=("file",)))
    quality_props = {f.name: {"type": "integer"} for f in dataclasses.fields(model.Quality) if f.name != "issues"}
    quality = b.define("DataQuality", _obj({**quality_props, "issues": {"type": "array", "items": issue}}))
    props: dict[str, Any] = {
        "format_version": {"const": model.FORMAT_VERSION,
                           "description": "Changes only when a key is removed, renamed or changes meaning or "
                                          "type (docs/metrics.md, 'Compatibility')."},
        "period": period,
        "totals": totals,
        "by_priority": _keyed(totals),
        "by_category": _keyed(groups),
        "trend": {"type": "array", "items": trend},
        "data_quality": quality,
    }
    if full:
        service = figures("ServiceFigures", (*keys("groups"), *keys("service")))
        breakdowns = {f"by_{d}": _keyed(service if d == "service" else groups)
                      for d in ("service", "site", "channel", "assignment_group")}
        previous = b.define("Previous", {"type": ["object", "null"], "properties": {
            "period": period, "totals": totals, "by_priority": _keyed(totals), "by_category": _keyed(groups),
            **{f"by_{d}": _keyed(groups) for d in ("service", "site", "channel", "assignment_group")},
            "covered": {"type": "boolean"}},
            "required": ["period", "totals", "by_priority", "by_category", "by_service", "by_site", "by_channel",
                         "by_assignment_group", "covered"]})
        baseline_props = {"start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]},
                          "days": {"type": ["integer", "null"]}, "months": {"type": ["integer", "null"]},
                          "period_days": {"type": ["integer", "null"]}, "totals": totals,
                          "by_priority": _keyed(totals),
                          **{f"by_{d}": _keyed(groups) for d in ("category", "service", "site", "channel",
                                                                  "assignment_group")}}
        bl_hints = typing.get_type_hints(model.Baseline)
        for k in ("backlog_mean", "majors", "major_customers_median", "major_contacts_median",
                  "major_duration_median"):
            baseline_props[k] = b.of(bl_hints[k])
        for k in ("start", "end", "days", "months", "period_days"):
            baseline_props[k] = b.of(bl_hints[k])
        nullable = lambda ref: {"anyOf": [ref, {"type": "null"}]}  # noqa: E731
        finding = b.record(Finding, drop=("headline",))
        b.record(Subject)
        coverage = b.define("Coverage", {"type": ["object", "null"], "properties": {
            "first_record": {"type": ["string", "null"]}, "last_record": {"type": ["string", "null"]},
            "first_month": {"type": ["string", "null"]}, "last_month": {"type": ["string", "null"]},
            "covered": {"type": "boolean"}},
            "required": ["first_record", "last_record", "first_month", "last_month", "covered"]})
        props |= {
            "fields": {"type": "array", "items": {"type": "string"}},
            "targets": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
            "sla": _keyed(b.record(model.SlaTarget)),
            "previous": previous,
            **breakdowns,
            # Custom fields of the mapping file (`extra:`): {field: {value: figures}}.
            "by_extra": {"type": "object", "additionalProperties": _keyed(groups)},
            "weekly": {"type": "array", "items": b.record(model.Week)},
            "ageing": {"anyOf": [b.record(model.Ageing), {"type": "object", "maxProperties": 0}]},
            "major_incidents": {"type": "array", "items": b.record(model.MajorIncident)},
            "problem_candidates": {"type": "array", "items": b.record(model.ProblemCandidate)},
            "known_problems": {"type": "array", "items": b.record(model.KnownProblem)},
            "problem_rules": {"type": "object", "additionalProperties": {"type": "number"}},
            "breaches": {"type": "array", "items": b.record(model.Breach)},
            "sla_agreement": nullable(b.record(model.SlaAgreement)),
            "contacts": nullable(b.record(model.Contacts)),
            "coverage": coverage,
            "baseline": nullable(b.define("Baseline", _obj(baseline_props))),
            "findings": {"type": "array", "items": finding},
            "reviews": {"type": "array", "items": b.define("Review", _obj({
                "incident_id": {"type": "string"}, "status": {"type": ["string", "null"]},
                "owner": {"type": ["string", "null"]}, "due": {"type": ["string", "null"]},
                "overdue": {"type": "boolean"}, "actions_total": {"type": "integer"},
                "actions_open": {"type": "integer"}, "actions_overdue": {"type": "integer"}}))},
            "actions": {"type": "array", "items": b.define("Action", _obj({
                "incident_id": {"type": "string"}, "action": {"type": "string"}, "owner": {"type": ["string", "null"]},
                "due": {"type": ["string", "null"]}, "type": {"type": ["string", "null"]},
                "status": {"type": ["string", "null"]}, "overdue": {"type": "boolean"}}))},
            "provenance": _provenance(b),
        }
    if "IncidentContacts" in b.defs:
        # The baseline of an incident's contact figures is the average of the same weekday-and-hour
        # windows of earlier weeks: its counts are means, not whole numbers.
        counts = json.loads(json.dumps(b.defs["ContactFigures"]).replace('"integer"', '"number"'))
        b.defs["IncidentContacts"]["properties"]["baseline"] = b.define("BaselineContactFigures", counts)
    # With --narratives only; provenance with every --full run (none from code that calls
    # MetricSet.to_dict directly).
    optional = ("reviews", "actions", "provenance")
    name = FILES[full]
    return {
        "$schema": DIALECT,
        "$id": ID.format(name=name),
        "title": "ccreport metrics --format json" + (" --full" if full else ""),
        "description": "The metrics object ccreport prints (docs/metrics.md). Every listed key is always present; "
                       "later releases with the same format_version may add keys.",
        "type": "object",
        "properties": props,
        "required": [k for k in props if k not in optional],
        "$defs": dict(sorted(b.defs.items())),
    }


def _provenance(b: _Builder) -> dict[str, Any]:
    nstr = {"type": ["string", "null"]}
    return b.define("Provenance", _obj({
        "inputs": {"type": "array", "items": b.define("InputFile", _obj({
            "role": {"type": "string"}, "name": {"type": "string"}, "size": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "rows": {"type": ["integer", "null"]}}))},
        "config": _obj({"file": nstr, "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"}}),
        "settings": {"type": "object"},
        "versions": {"type": "object", "additionalProperties": nstr},
        "command": {"type": "string"},
        "period": _obj({"label": nstr, "start": nstr, "end": nstr}),
        "run_at": {"type": "string", "format": "date-time"},
    }))


def text(full: bool) -> str:
    return json.dumps(build(full), indent=2, ensure_ascii=False) + "\n"


def shipped(full: bool) -> str:
    """The schema file in the package (what `metrics --schema` prints)."""
    from importlib import resources

    return resources.files("ccreport.schemas").joinpath(FILES[full]).read_text(encoding="utf-8")


def main() -> None:
    for full in (False, True):
        (HERE / FILES[full]).write_text(text(full), encoding="utf-8")


if __name__ == "__main__":
    main()
