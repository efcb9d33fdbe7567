"""The JSON Schemas of the metrics JSON (issue 19, item 4): shipped in the package, printed by
`metrics --schema`, built from the model (no drift), and real outputs validate against them
with the `jsonschema` library, including the strict reading (every key the output has is
described)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

from ccreport.schemas import build  # noqa: E402

from . import scenarios  # noqa: E402
from .util import SAMPLE, SERVICENOW_LOG, run_cli  # noqa: E402


def schema(full: bool) -> dict:
    return json.loads(build.shipped(full))


def strict(s: dict) -> dict:
    """The schema with `additionalProperties: false` wherever it lists properties: the output
    may have no key the schema does not describe (the shipped schema allows later additions)."""
    s = copy.deepcopy(s)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(s)
    return s


def errors(s: dict, data: dict) -> list[str]:
    v = jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in v.iter_errors(data)]


def check(data: dict, full: bool) -> None:
    s = schema(full)
    assert errors(s, data) == []
    assert errors(strict(s), data) == []


def metrics(*args) -> dict:
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("full", [False, True])
def test_the_shipped_schema_is_a_valid_2020_12_schema_built_from_the_model(full):
    s = schema(full)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(s)
    # A figure added to the registry or a field added to a record changes the built schema:
    # regenerate with `python -m ccreport.schemas.build`.
    assert build.shipped(full) == build.text(full), "ccreport/schemas/*.json are stale: run python -m ccreport.schemas.build"


@pytest.mark.parametrize("full", [False, True])
def test_metrics_schema_prints_the_shipped_file_without_any_input(full, isolated):
    r = run_cli("metrics", "--schema", *(["full"] if full else []))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == schema(full)


SAMPLE_ARGS = ["--config", SAMPLE / "ccreport.yaml", "metrics", SAMPLE / "incidents.csv", "--events",
               SAMPLE / "events.csv", "--contacts", SAMPLE / "contacts.csv", "--format", "json"]


@pytest.mark.parametrize("full", [False, True])
def test_the_sample_output_validates(full):
    check(metrics(*SAMPLE_ARGS, "--month", "2026-10", *(["--full"] if full else [])), full)


@pytest.mark.parametrize("full", [False, True])
def test_a_month_the_export_does_not_cover_and_a_custom_range_validate(full, isolated):
    """Null figures, an empty breakdown, a period that is no month (`month` null)."""
    path, config = scenarios.ordinary(months=("2026-09", "2026-10"), per_area=3).write(isolated)
    extra = ["--full"] if full else []
    check(metrics("--config", config, "metrics", path, "--month", "2025-01", "--format", "json", *extra), full)
    check(metrics("--config", config, "metrics", path, "--from", "2026-09-10", "--to", "2026-10-05", "--format",
                  "json", *extra), full)


def test_the_servicenow_event_log_validates(servicenow_log):
    config = Path(__file__).parent / "data" / "metrics_json" / "servicenow.yaml"
    check(metrics("--config", config, "metrics", servicenow_log, "--month", "2016-03", "--format", "json", "--full"),
          True)


def test_the_schema_rejects_what_a_dashboard_could_not_read():
    data = metrics(*SAMPLE_ARGS, "--month", "2026-10", "--full")
    s = schema(True)
    cases = []
    bad = copy.deepcopy(data)
    bad["totals"]["opened"] = "252"
    cases.append(bad)
    bad = copy.deepcopy(data)
    del bad["by_priority"]["P1"]["mttr_hours"]
    cases.append(bad)
    bad = copy.deepcopy(data)
    bad["format_version"] = 2
    cases.append(bad)
    bad = copy.deepcopy(data)
    bad["trend"][0]["month"] = "October"
    cases.append(bad)
    bad = copy.deepcopy(data)
    bad["provenance"]["inputs"][0]["sha256"] = "not a hash"
    cases.append(bad)
    for case in cases:
        assert errors(s, case), case
    # A key a later release adds is fine for the shipped schema, not for the strict reading.
    later = {**data, "new_section": {"x": 1}}
    assert errors(s, later) == [] and errors(strict(s), later)
