"""The on-disk holiday cache: the same dates as the holidays package, no import of the package
once a country is cached, safe against corrupt files and unknown countries."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import holidays as holidays_pkg
import pytest

from ccreport import holidaycache

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CCREPORT_CACHE_DIR", str(tmp_path))
    return tmp_path


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json"))


@pytest.mark.parametrize("country,subdiv", [("GB", "ENG"), ("GB", "SCT"), ("US", "CA"), ("DE", None)])
def test_dates_are_the_packages(cache, country, subdiv):
    want = sorted(holidays_pkg.country_holidays(country, subdiv=subdiv, years=range(2019, 2031)))
    assert holidaycache.holiday_days(country, subdiv, 2019, 2030) == want  # miss: computed
    assert _files(cache), "nothing was cached"
    assert holidaycache.holiday_days(country, subdiv, 2019, 2030) == want  # hit: from the file


def test_years_outside_the_cached_span_widen_it(cache):
    holidaycache.holiday_days("GB", "ENG", 2024, 2025)
    old = sorted(holidays_pkg.country_holidays("GB", subdiv="ENG", years=range(1990, 1992)))
    assert holidaycache.holiday_days("GB", "ENG", 1990, 1991) == old
    (path,) = _files(cache)
    data = json.loads(path.read_text())
    assert data["first"] <= 1990 and data["last"] >= 2025


def test_a_corrupt_or_tampered_cache_file_is_recomputed(cache):
    holidaycache.holiday_days("GB", "ENG", 2025, 2025)
    (path,) = _files(cache)
    want = sorted(holidays_pkg.country_holidays("GB", subdiv="ENG", years=2025))
    for junk in ("{not json", json.dumps({"format": 1, "first": 2000, "last": 2040, "dates": ["x"]}),
                 json.dumps([1, 2])):
        path.write_text(junk)
        assert holidaycache.holiday_days("GB", "ENG", 2025, 2025) == want


def test_unknown_country_or_subdivision_raises_and_caches_nothing(cache):
    with pytest.raises(NotImplementedError):
        holidaycache.check_known("XX", None)
    with pytest.raises(Exception):
        holidaycache.check_known("GB", "NOPE")
    assert not _files(cache)


def test_unwritable_cache_still_answers(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("CCREPORT_CACHE_DIR", str(blocker / "sub"))  # a folder under a file
    want = sorted(holidays_pkg.country_holidays("GB", subdiv="ENG", years=2026))
    assert holidaycache.holiday_days("GB", "ENG", 2026, 2026) == want


def test_odd_country_strings_never_name_a_path_outside_the_cache(cache):
    with pytest.raises(Exception):
        holidaycache.holiday_days("../../etc", None, 2026, 2026)
    assert not any(cache.parent.glob("etc*"))
    assert not _files(cache)


def test_a_cached_country_loads_no_holidays_module(tmp_path):
    """Config validation and the business-hours calendar read the cache: no holidays import."""
    cfg = tmp_path / "ccreport.yaml"
    cfg.write_text("timezone: Europe/London\ncalendars:\n  office:\n"
                   "    holidays: {country: GB, subdivision: ENG}\n")
    code = (
        "import sys; from ccreport.config import load_config; from ccreport import calendars\n"
        f"c = load_config({str(cfg)!r})\n"
        "d = calendars.holiday_dates(c.calendars['office'], 2025, 2026)\n"
        "print(len(d), sorted(m for m in sys.modules if m.split('.')[0] == 'holidays'))\n"
    )
    env = {**os.environ, "CCREPORT_CACHE_DIR": str(tmp_path / "c"), "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    n1, mods1 = first.stdout.split(" ", 1)
    n2, mods2 = second.stdout.split(" ", 1)
    assert n1 == n2 and int(n1) >= 16  # GB-ENG: 8 a year
    assert "holidays" in mods1  # the first run computed them
    assert mods2.strip() == "[]", mods2
    want = {d for d in holidays_pkg.country_holidays("GB", subdiv="ENG", years=range(2025, 2027))}
    assert int(n2) == len(want)
