"""The sample-data generator: reproducible bytes, and the committed sample has the promised shape."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from ccreport import sample
from ccreport.schema import FIELDS

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = sample.generate(tmp_path / "a", end_month="2026-03", seed=11, incidents_n=300)
    second = sample.generate(tmp_path / "b", end_month="2026-03", seed=11, incidents_n=300)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between two runs"


def test_other_seed_other_incidents() -> None:
    a = sample.incidents(300, "2026-03", seed=1)
    b = sample.incidents(300, "2026-03", seed=2)
    assert not a["opened_at"].equals(b["opened_at"])


def _rows(name: str) -> list[dict[str, str]]:
    path = SAMPLE / name
    if not path.exists():
        pytest.skip(f"{path} not generated (make sample)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_committed_incidents_shape() -> None:
    rows = _rows("incidents.csv")
    # The sample records no configuration item (the ServiceNow export of it does, as cmdb_ci).
    assert list(rows[0]) == [f for f in FIELDS if f != "configuration_item"]
    assert 2700 <= len(rows) <= 3300
    assert len({r["incident_id"] for r in rows}) == len(rows)
    months = Counter(r["opened_at"][:7] for r in rows)  # local time: the offset follows the time
    assert sorted(months) == [f"2025-{m}" for m in ("10", "11", "12")] + [f"2026-{m:02d}" for m in range(1, 11)]
    majors = [r for r in rows if r["major"] == "true"]
    assert 10 <= len(majors) <= 14
    assert sum(r["opened_at"].startswith("2026-10") for r in majors) >= 2
    assert all(r["priority"] in ("P1", "P2") for r in majors)
    statuses = Counter(r["status"] for r in rows)
    assert statuses["Closed"] > len(rows) * 0.8
    assert 0.005 < statuses["Cancelled"] / len(rows) < 0.03
    assert statuses["New"] + statuses["In Progress"] + statuses["On Hold"] > 0
    assert Counter(r["priority"] for r in rows).most_common(2)[0][0] in ("P3", "P4")


def test_committed_files_agree() -> None:
    incidents = {r["incident_id"]: r for r in _rows("incidents.csv")}
    events = _rows("events.csv")
    majors = {i for i, r in incidents.items() if r["major"] == "true"}
    assert {e["incident_id"] for e in events} == majors
    per_incident = Counter(e["incident_id"] for e in events)
    assert all(10 <= n <= 25 for n in per_incident.values())
    assert any(e["type"] == "state" and e["text"] == "On Hold" for e in events)
    for row in _rows("contacts.csv")[:5000]:
        offered, answered, abandoned = int(row["offered"]), int(row["answered"]), int(row["abandoned"])
        assert answered + abandoned == offered
        assert int(row["answered_in_sl"]) <= answered


def test_committed_config_loads() -> None:
    from ccreport.config import load_config

    path = SAMPLE / "ccreport.yaml"
    if not path.exists():
        pytest.skip("sample_data/ccreport.yaml not generated")
    config = load_config(path)
    assert config.timezone == "Europe/London"
    assert set(config.sla) == {"P1", "P2", "P3", "P4", "P5"}
