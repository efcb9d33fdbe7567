"""The metrics registry (ccreport/metrics/definitions.py) is the one list the rest reads: the
engine runs its functions, the config validates `targets:` against it, and importing it (or
the config) costs no numpy or pandas."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ccreport.config import TARGET_DEFAULTS, Config, Targets, load_config
from ccreport.errors import ConfigError
from ccreport.metrics import BY_KEY, METRICS, keys, target_keys
from ccreport.metrics.definitions import CONTACT_METRICS
from ccreport.metrics.model import TREND_ORDER


def test_targets_accept_exactly_the_registry_target_keys():
    assert set(Targets.model_fields) == set(target_keys())
    # The JSON echo's order: the defaults', then the other registry keys (the contact centre's).
    assert list(Config().targets.model_dump())[:len(TARGET_DEFAULTS)] == list(TARGET_DEFAULTS)
    assert Config().targets.model_dump() == {  # no built-in targets (issue 15): only the user's
        "resolution_sla_pct": None, "response_sla_pct": None, "mttr_hours": None, "reopen_rate_pct": None,
        "escalation_rate_pct": None, "mtta_hours": None, "csat_mean": None,
        "service_level_pct": None, "abandonment_pct": None, "aht_seconds": None}
    for key in target_keys():
        assert getattr(Config.model_validate({"targets": {key: 1.5}}).targets, key) == 1.5


def test_an_unknown_target_key_names_the_key_and_the_file(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("targets:\n  mttr_hours: 8\n  mttr: 4\n")
    with pytest.raises(ConfigError, match=r"line 3: targets\.mttr: unknown key") as err:
        load_config(p, env={})
    assert str(p) in str(err.value)


def test_importing_the_config_or_the_registry_loads_no_numpy_or_pandas():
    code = ("import sys, ccreport.config, ccreport.metrics.definitions; "
            "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_figure_the_sets_carry_has_a_function():
    for scope in ("totals", "groups", "trend"):
        for key in keys(scope):
            m = BY_KEY[key]
            # The 90th percentile comes with the median (one sort), which precedes it.
            assert m.func is not None or key == "p90_ttr_hours", key
    assert keys("trend") == TREND_ORDER == ("opened", "resolved", "mttr_hours", "resolution_sla_pct", "backlog_end")
    assert keys("groups", core_only=True) == ("opened", "resolved", "mttr_hours", "resolution_sla_pct")
    assert keys("groups") == ("opened", "resolved", "mttr_hours", "resolution_sla_pct", "resolution_sla_base",
                              "resolution_sla_breaches")
    assert "contacts_affected" in keys("totals") and "contacts_affected" not in keys("totals", core_only=True)
    assert [m.key for m in (*METRICS, *CONTACT_METRICS) if m.target] == list(target_keys())


def test_every_dimension_has_its_breakdown_in_the_metric_set():
    """schema.DIMENSIONS is the one list of grouping fields: the typed set carries a breakdown
    for each (`by_<dimension>`) and no other."""
    import dataclasses

    from ccreport.metrics.model import MetricSet
    from ccreport.schema import DIMENSIONS

    names = {f.name for f in dataclasses.fields(MetricSet) if f.name.startswith("by_") and f.name != "by_priority"}
    # by_extra: the mapping's custom fields, one breakdown each (tests/test_custom_fields.py).
    assert names == {f"by_{d}" for d in DIMENSIONS} | {"by_extra"}
