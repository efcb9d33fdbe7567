"""Fixtures shared by the test files: the isolated folder CLI runs need, and the real exports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .util import SERVICENOW_LOG


#: Variables that steer the test suite itself, not ccreport (tests/README.md).
SUITE_VARIABLES = ("CCREPORT_UPDATE_GOLD", "CCREPORT_FUZZ_SHRINK", "CCREPORT_FUZZ_EXAMPLES")


@pytest.fixture(autouse=True)
def _no_ccreport_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CCREPORT_* variable from the developer's shell (or CI) decides any test; tests that
    need one set it themselves. Subprocesses inherit the cleaned environment too. The suite's
    own switches (SUITE_VARIABLES) stay."""
    for var in [v for v in os.environ if v.startswith("CCREPORT_") and v not in SUITE_VARIABLES]:
        monkeypatch.delenv(var)


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in this test's own empty folder: no ./ccreport.yaml, output/ or sample_data/ from
    the checkout is found, and nothing a run writes by default lands in the repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def servicenow_log() -> Path:
    if not SERVICENOW_LOG.exists():
        pytest.skip("../shared/data/servicenow/incident_event_log_sample.csv is not present")
    return SERVICENOW_LOG
