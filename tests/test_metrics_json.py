"""`ccreport metrics --format json [--full]` is byte-for-byte what the code printed before the
metrics package (issue 12): tests/data/metrics_json/ holds those outputs for the sample data and
the SHA-256 of those for the real ServiceNow event log (see its README).

The one intended difference: `contacts_affected` is a computed figure now and appears in
`--full` output in totals, by_priority and previous.totals/by_priority; it is removed before
comparing `--full` output. The SPEC §4 core output has no change at all.
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


def without_contacts_affected(text: str) -> str:
    """--full output as the old code printed it: without the new `contacts_affected` figure
    (totals, by_priority and the same in previous), in the same JSON layout."""
    data = json.loads(text)
    sections = [data]
    if data.get("previous"):
        sections.append(data["previous"])
    for section in sections:
        section["totals"].pop("contacts_affected")
        for figures in section["by_priority"].values():
            figures.pop("contacts_affected")
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
    actual = run(sample_args(month, full, contacts))
    if full:
        assert '"contacts_affected"' in actual.split('"by_category"')[0]  # the new figure is there
        actual = without_contacts_affected(actual)
    assert actual == expected


def _hashes() -> dict[str, str]:
    lines = (DATA / "servicenow.sha256").read_text(encoding="utf-8").split("\n")
    return dict(line.split() for line in lines if line.strip())


@pytest.mark.skipif(not SERVICENOW.is_file(), reason="the ServiceNow event log is not in ../shared/data")
@pytest.mark.parametrize("name", sorted(_hashes()))
def test_servicenow_json_is_unchanged(name):
    month = name.split("-", 1)[1].removesuffix("-full")
    full = name.endswith("-full")
    args = ["--config", str(DATA / "servicenow.yaml"), "metrics", str(SERVICENOW), "--month", month,
            "--format", "json"] + (["--full"] if full else [])
    actual = run(args)
    if full:
        actual = without_contacts_affected(actual)
    assert hashlib.sha256(actual.encode("utf-8")).hexdigest() == _hashes()[name]


# ---- the documents' hand-made fixture keeps the shape of the real output ------------------------

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
#: Objects keyed by data (priorities, group names, channels): their keys are not structure, the
#: shape of their values is.
KEYED_BY_DATA = {"by_priority", "by_category", "by_service", "by_site", "by_channel", "by_assignment_group",
                 "sla"}


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
