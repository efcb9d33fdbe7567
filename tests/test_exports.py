"""One test per real-format export in tests/data/exports/ (sqlite-utils test_sniff style).

The expectations in expected.yaml were written by hand from the files, independently of the
ingest code: the preset `auto` must pick, the incident count, and spot values.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from ccreport.config import Config
from ccreport.ingest import load

from .util import ROOT

EXPORTS = ROOT / "tests" / "data" / "exports"
EXPECTED = yaml.safe_load((EXPORTS / "expected.yaml").read_text())


def test_every_export_has_an_expectation():
    files = {p.name for p in EXPORTS.iterdir() if p.name != "expected.yaml" and p.is_file()}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export(name):
    want = EXPECTED[name]
    cfg = Config(**want.get("config", {}))
    mapping = EXPORTS / want["mapping"] if "mapping" in want else None
    result = load([EXPORTS / name], cfg, preset="auto", sheet=want.get("sheet"), mapping=mapping)
    assert result.preset == want["preset"]
    assert len(result.incidents) == want["incidents"]
    inc = result.incidents.set_index("incident_id")
    for incident_id, fields in (want.get("spot") or {}).items():
        row = inc.loc[str(incident_id)]
        for field, value in fields.items():
            got = row[field]
            if value is None:
                assert pd.isna(got), (incident_id, field, got)
            elif field.endswith("_at"):
                assert got == pd.Timestamp(value), (incident_id, field, got)
            elif isinstance(value, bool) or isinstance(value, int):
                assert got == value, (incident_id, field, got)
            else:
                assert str(got) == str(value), (incident_id, field, got)
