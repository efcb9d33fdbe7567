"""Computed resolution SLA results against ServiceNow's own `made_sla` on the real event log.

The targets ServiceNow applied are not in the export, so agreement cannot be exact; this test
prints the agreement rate under a plausible config (P1 4 h, P2 1 d, P3 3 d, P4 5 d on 24x7,
On Hold states paused) and checks it beats always guessing the majority answer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ccreport.config import Config
from ccreport.metrics import incident_sla

LOG = Path(__file__).resolve().parents[2] / "shared/data/servicenow/incident_event_log_sample.csv"
CONFIG = Config.model_validate(
    {
        "timezone": "UTC",
        "pause_states": ["On Hold"],
        "sla": {p: {"resolve": v} for p, v in {"P1": "4h", "P2": "1d", "P3": "3d", "P4": "5d"}.items()},
    }
)


def latest_made_sla(path: Path) -> pd.Series:
    """Each incident's made_sla from its latest update (highest sys_mod_count)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["sys_mod_count"] = pd.to_numeric(raw["sys_mod_count"])
    latest = raw.sort_values(["number", "sys_mod_count"], kind="stable").groupby("number").tail(1)
    return latest.set_index("number")["made_sla"].str.upper().map({"TRUE": True, "FALSE": False})


def test_agreement_with_made_sla():
    if not LOG.exists():
        pytest.skip(f"{LOG} is not present")
    try:
        from ccreport.ingest import load

        result = load([LOG], CONFIG, preset="auto")
    except ModuleNotFoundError as err:  # ingest not there yet
        pytest.skip(f"ingest is not available: {err}")
    sla = incident_sla(result, CONFIG)
    sla.index = result.incidents["incident_id"].astype(str)
    joined = sla.join(latest_made_sla(LOG).rename("made_sla"), how="inner")
    compared = joined[joined["resolution_sla_met"].notna() & joined["made_sla"].notna()]
    agreement = float((compared["resolution_sla_met"].astype(bool) == compared["made_sla"]).mean())
    majority = float(max(compared["made_sla"].mean(), 1 - compared["made_sla"].mean()))
    print(f"\nServiceNow made_sla agreement: {agreement:.1%} over {len(compared)} incidents "
          f"(always guessing the majority answer: {majority:.1%}; pauses known: {result.pauses_known})")
    assert len(compared) >= 500
    assert agreement > majority
