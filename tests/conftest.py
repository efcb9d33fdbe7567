"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from .util import SERVICENOW_LOG


@pytest.fixture
def servicenow_log() -> Path:
    if not SERVICENOW_LOG.exists():
        pytest.skip("../shared/data/servicenow/incident_event_log_sample.csv is not present")
    return SERVICENOW_LOG

