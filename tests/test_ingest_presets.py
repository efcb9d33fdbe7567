"""The preset registry drives every list of presets, and a preset is data: its quirks are
declared fields, never a branch on its name (issue 12, "enumerations defined once")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccreport.cli import cli
from ccreport.config import Config
from ccreport.ingest import load
from ccreport.ingest.presets import PRESET_HELP, PRESET_NAMES, PRESETS, Preset
from ccreport.schema import DIMENSIONS

PACKAGE = Path(__file__).resolve().parents[1] / "ccreport"


def _option(command: str, name: str):
    return next(p for p in cli.commands[command].params if p.name == name)


@pytest.mark.parametrize("command", ["validate", "metrics", "monthly", "pir", "strategy"])
def test_every_preset_option_offers_the_registry(command):
    option = _option(command, "preset")
    assert tuple(option.type.choices) == PRESET_NAMES == ("auto", *PRESETS)
    assert option.help == PRESET_HELP
    assert all(name in PRESET_HELP for name in PRESETS)


def test_the_config_accepts_exactly_the_registry():
    for name in PRESET_NAMES:
        assert Config(preset=name).preset == name
    with pytest.raises(ValueError):
        Config(preset="remedy")


def test_dimension_choices_come_from_the_schema():
    # Free text (a mapping's custom fields are choices too, checked once the export is read);
    # the help lists the schema's dimensions.
    assert "|".join(DIMENSIONS) in _option("monthly", "split_by").help
    assert "|".join(("totals", "priority", *DIMENSIONS, "trend", "breaches")) in _option("metrics", "by").help
    assert "custom field" in _option("monthly", "split_by").help


def test_no_code_branches_on_a_preset_name():
    names = "|".join(re.escape(n) for n in PRESETS)
    pattern = re.compile(rf"""(\.name\s*[!=]=\s*["'](?:{names})["'])|(["'](?:{names})["']\s*[!=]=)""")
    offenders = [f"{p.relative_to(PACKAGE)}:{i}"
                 for p in PACKAGE.rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


def test_adding_a_preset_is_one_registry_entry(tmp_path, monkeypatch):
    """The recipe for a new tool: one Preset(...) in the registry plus its test data."""
    remedy = Preset(
        name="remedy",
        columns={"incident_id": ("incident number",), "title": ("summary",), "opened_at": ("submit date",),
                 "resolved_at": ("last resolved date",), "status": ("status",), "priority": ("priority",)},
        signature=("incident number", "submit date", "last resolved date", "assigned support company"),
        states={"assigned": "In Progress", "resolved": "Resolved"},
        priorities={"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"},
    )
    monkeypatch.setitem(PRESETS, "remedy", remedy)
    export = tmp_path / "remedy.csv"
    export.write_text(
        "Incident Number,Summary,Submit Date,Last Resolved Date,Status,Priority,Assigned Support Company\n"
        "INC000001,Login fails,2026-10-01T09:00:00Z,2026-10-01T11:00:00Z,Resolved,Critical,Acme\n"
        "INC000002,Slow search,2026-10-02T09:00:00Z,,Assigned,Low,Acme\n",
        encoding="utf-8",
    )
    for preset in ("remedy", "auto"):
        result = load([export], Config(), preset=preset)
        assert result.preset == "remedy"
        assert result.incidents["priority"].astype(str).tolist() == ["P1", "P4"]
        assert result.incidents["status"].astype(str).tolist() == ["Resolved", "In Progress"]
