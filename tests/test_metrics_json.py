"""`ccreport metrics --format json [--full]` is byte-for-byte what the code printed before the
metrics package (issue 12): tests/data/metrics_json/ holds those outputs for the sample data and
the SHA-256 of those for the real ServiceNow event log (see its README).

The intended differences, undone before comparing (`as_old_code_printed`):
- `contacts_affected` is a computed figure now and appears in `--full` output in totals,
  by_priority and previous.totals/by_priority; so do `resolution_sla_base` and
  `response_sla_base` (issue 14: the counts behind the SLA percentages).
- Coverage (SPEC §4, issue 14): `--full` output has `coverage`, a `covered` flag on each trend
  month and on `previous`; and a trend month before the export's first record (which the old
  code printed as 0 opened, 0 resolved, 0 backlog) now has every figure null, core output too.
  For covered months the output has no change at all.
- Findings (issue 14): `--full` output has `baseline` (the 12 months before P), `findings`, the
  previous period's breakdowns by service, site, channel and group, `review_due` on each major
  incident, and the breach counts (`resolution_sla_breaches`, `response_sla_breaches`, and in
  every breakdown `resolution_sla_base` too).
- The SLA breach list (issue 15): `--full` output has `breaches` and `sla_agreement`, and
  `fields` lists `tool_sla_met` for an export with its own SLA flag (ServiceNow `made_sla`).
- Problem candidates (issue 14 item 3, metrics/problems.py): a new rule, so `--full`
  `problem_candidates` is emptied on both sides before comparing (test_problems.py checks the
  rule), and the new `known_problems` and `problem_rules` keys and the new canonical field
  `configuration_item` in `fields` (ServiceNow's `cmdb_ci`) are removed.
- Contact-centre targets and sites (issue 15): `targets` echoes `service_level_pct`,
  `abandonment_pct` and `aht_seconds` (the sample config sets them), and `contacts` has
  `sl_threshold_seconds`, `site`, `by_site` and `by_queue`.
- History exports (issue 17): `data_quality` has `resolved_from_history` (ServiceNow event logs:
  the resolution time taken from the state history) and `resolved_from_status_category` (Jira).
- Provenance (issue 19): `--full` output has `provenance` (input files, settings, versions,
  the command line, the time of the run).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccreport.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "metrics_json"
SAMPLE = ROOT / "sample_data"
SERVICENOW = ROOT.parent / "shared" / "data" / "servicenow" / "incident_event_log_sample.csv"


def run(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout  # the JSON; notes such as the detected preset go to stderr


#: What an uncovered month before the export's first record was printed as before issue 14.
OLD_EMPTY_MONTH = {"opened": 0, "resolved": 0, "mttr_hours": None, "resolution_sla_pct": None, "backlog_end": 0}
#: Keys added to --full output (issue 14's coverage, findings and problem rule, issue 15's breach
#: list), removed before comparing.
NEW_FULL_KEYS = ("coverage", "baseline", "findings", "known_problems", "problem_rules",
                 "breaches", "sla_agreement", "by_extra", "provenance")
#: Canonical fields added since (issue 15: the export's own SLA flag; issue 14: the configuration
#: item), removed from `fields`.
NEW_FIELDS = ("tool_sla_met", "configuration_item")
#: Figures added to --full totals and by_priority (and previous), removed before comparing.
NEW_FIGURES = ("contacts_affected", "resolution_sla_base", "resolution_sla_breaches", "response_sla_base",
               "response_sla_breaches")
#: Figures added to every breakdown in --full output (issue 14).
NEW_GROUP_FIGURES = ("resolution_sla_base", "resolution_sla_breaches")
#: Target keys added to the --full `targets` echo, and keys added to `contacts` (issue 15).
NEW_TARGETS = ("service_level_pct", "abandonment_pct", "aht_seconds")
NEW_CONTACT_KEYS = ("sl_threshold_seconds", "site", "by_site", "by_queue")
#: Counts added to `data_quality` (issue 17), removed before comparing.
NEW_QUALITY_KEYS = ("resolved_from_history", "resolved_from_status_category")
BREAKDOWNS = ("by_category", "by_service", "by_site", "by_channel", "by_assignment_group")


def as_old_code_printed(text: str, full: bool) -> str:
    """The output as the old code printed it, in the same JSON layout: uncovered trend months
    (all figures null; they must lie before the first covered month) back to zeros, and for
    --full without the new keys (`coverage`, the `covered` flags, `contacts_affected` in
    totals, by_priority and the same in previous)."""
    data = json.loads(text)
    for key in NEW_QUALITY_KEYS:
        data["data_quality"].pop(key)
    seen_covered = False
    for month in data["trend"]:
        figures = {k: month[k] for k in OLD_EMPTY_MONTH}
        uncovered = all(v is None for v in figures.values())
        if full:
            assert month.pop("covered") is (not uncovered)
        if uncovered:
            assert not seen_covered, f"{month['month']}: an uncovered month inside the export"
            month.update(OLD_EMPTY_MONTH)
        seen_covered = seen_covered or not uncovered
    if not full:
        return json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"
    for key in NEW_FULL_KEYS:
        data.pop(key)
    data["problem_candidates"] = []
    for key in NEW_TARGETS:
        data["targets"].pop(key)
    for key in NEW_CONTACT_KEYS if data.get("contacts") else ():
        data["contacts"].pop(key)
    data["fields"] = [f for f in data["fields"] if f not in NEW_FIELDS]
    if data.get("previous"):
        data["previous"].pop("covered")
        for key in BREAKDOWNS[1:]:
            data["previous"].pop(key)
    for section in (data, data.get("previous") or {}):
        for key in BREAKDOWNS:
            for figures in (section.get(key) or {}).values():
                for name in NEW_GROUP_FIGURES:
                    figures.pop(name)
    for mi in data.get("major_incidents") or []:
        mi.pop("review_due")
    sections = [data]
    if data.get("previous"):
        sections.append(data["previous"])
    for section in sections:
        for figures in (section["totals"], *section["by_priority"].values()):
            for key in NEW_FIGURES:
                figures.pop(key)
    return json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"


def sample_args(month: str, full: bool, contacts: bool) -> list[str]:
    args = ["--config", str(SAMPLE / "ccreport.yaml"), "metrics", str(SAMPLE / "incidents.csv"),
            "--events", str(SAMPLE / "events.csv"), "--month", month, "--format", "json"]
    if full:
        args.append("--full")
    if contacts:
        args += ["--contacts", str(SAMPLE / "contacts.csv")]
    return args


CASES = [(m, False, False) for m in ("2026-08", "2026-09", "2026-10")] + [
    (m, True, False) for m in ("2026-08", "2026-09", "2026-10")] + [("2026-10", True, True)]


@pytest.mark.parametrize("month,full,contacts", CASES)
def test_sample_json_is_unchanged(month, full, contacts):
    name = f"sample-{month}{'-full' if full else ''}{'-contacts' if contacts else ''}.json"
    expected = (DATA / name).read_text(encoding="utf-8")
    if full:  # the old rule's candidates: a new rule now (see the module docstring)
        expected = json.dumps({**json.loads(expected), "problem_candidates": []}, indent=2, default=str,
                              allow_nan=False) + "\n"
    actual = run(sample_args(month, full, contacts))
    if full:
        assert '"contacts_affected"' in actual.split('"by_category"')[0]  # the new figure is there
        assert json.loads(actual)["coverage"]["first_month"] == "2025-10"
    assert as_old_code_printed(actual, full) == expected


def _hashes() -> dict[str, str]:
    lines = (DATA / "servicenow.sha256").read_text(encoding="utf-8").split("\n")
    return dict(line.split() for line in lines if line.strip())


@pytest.mark.skipif(not SERVICENOW.is_file(), reason="the ServiceNow event log is not in ../shared/data")
@pytest.mark.parametrize("name", sorted(_hashes()))
def test_servicenow_json_is_unchanged(name, monkeypatch):
    month = name.split("-", 1)[1].removesuffix("-full")
    full = name.endswith("-full")
    args = ["--config", str(DATA / "servicenow.yaml"), "metrics", str(SERVICENOW), "--month", month,
            "--format", "json"] + (["--full"] if full else [])
    real = json.loads(run(args))
    if full and not real["previous"]["covered"]:
        # The export starts in February 2016: January is not covered and its figures are null
        # now. The old code's figures for it come from a run that treats every month as covered.
        assert all(v is None for v in real["previous"]["totals"].values())
        assert real["previous"]["by_category"] == {}
        from ccreport.metrics import coverage, engine

        monkeypatch.setattr(engine, "export_coverage",
                            lambda *a: coverage.Coverage("", "", "0000-01", "9999-12"))
        everything = json.loads(run(args))
        monkeypatch.undo()
        real["previous"] = {**everything["previous"], "covered": False}
    actual = as_old_code_printed(json.dumps(real, indent=2, default=str, allow_nan=False) + "\n", full)
    assert hashlib.sha256(actual.encode("utf-8")).hexdigest() == _hashes()[name]


# ---- the documents' hand-made fixture keeps the shape of the real output ------------------------

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
#: Objects keyed by data (priorities, group names, channels): their keys are not structure, the
#: shape of their values is.
KEYED_BY_DATA = {"by_priority", "by_category", "by_service", "by_site", "by_channel", "by_assignment_group",
                 "by_queue", "sla"}


def _merge(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k)) for k in {**a, **b}}
    return a if a is not None else b


def shape(value, name: str = ""):
    """The key structure: dict keys recursively; a list is the merged shape of its items; a
    scalar (or null) is None."""
    if isinstance(value, dict):
        if name in KEYED_BY_DATA:
            merged = None
            for v in value.values():
                merged = _merge(merged, shape(v))
            return {"*": merged}
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        merged = None
        for v in value:
            merged = _merge(merged, shape(v))
        return [merged]
    return None


def _paths(s, prefix: str = "") -> tuple[set[str], set[str]]:
    """Every key path of a shape, and the paths of lists that are empty (item keys unknown)."""
    if isinstance(s, dict):
        out, empty = {prefix or "."}, set()
        for k, v in s.items():
            p, e = _paths(v, f"{prefix}.{k}")
            out, empty = out | p, empty | e
        return out, empty
    if isinstance(s, list):
        if s[0] is None:
            return {f"{prefix}[]"}, {f"{prefix}[]"}
        p, e = _paths(s[0], f"{prefix}[]")
        return {f"{prefix}[]"} | p, e
    return {prefix}, set()


def shape_difference(real_json: dict, fixture_json: dict) -> tuple[list[str], list[str]]:
    """(keys the fixture lacks, keys only the fixture has); below a list that is empty on one
    side (no items to read keys from) nothing is compared."""
    real, real_empty = _paths(shape(real_json))
    fixture, fixture_empty = _paths(shape(fixture_json))

    def unknown(path: str, empty: set[str]) -> bool:
        return any(path.startswith(e + ".") for e in empty)

    missing = sorted(p for p in real - fixture if not unknown(p, fixture_empty))
    extra = sorted(p for p in fixture - real if not unknown(p, real_empty))
    return missing, extra


def test_fixture_has_the_shape_of_compute_output():
    """tests/fixtures/metrics_full.json (hand-made, read by the document tests) has exactly the
    keys `compute(...).to_dict(full=True)` gives for the sample data with contacts."""
    real = json.loads(run(sample_args("2026-10", full=True, contacts=True)))
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    missing, extra = shape_difference(real, fixture)
    assert not missing and not extra, f"fixture lacks {missing}; fixture has extra {extra}"
    # The check sees a figure missing from the previous period's priorities (the drift of
    # issue 12: contacts_affected was read by the report but never computed).
    for figures in fixture["previous"]["by_priority"].values():
        del figures["contacts_affected"]
    assert shape_difference(real, fixture)[0] == [".previous.by_priority.*.contacts_affected"]
