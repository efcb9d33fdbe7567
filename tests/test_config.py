"""Config (SPEC §3.4) and strict YAML: errors name the key and the file."""

from __future__ import annotations

import pytest

from ccreport.config import load_config, parse_duration
from ccreport.errors import ConfigError
from ccreport.yamlio import loads

FULL = """\
organisation: {name: Northwind Contact Centre, primary_colour: "#1f4e79"}
timezone: Europe/London
dayfirst: true
missing_values: ["", "?", "NULL", "N/A", "-"]
priority_map: {"Urgent": P1}
priority_matrix: [[P1, P2, P3], [P2, P3, P4], [P3, P4, P5]]
calendars:
  office:
    days: [mon, tue, wed, thu, fri]
    hours: "08:00-18:00"
    holidays: {country: GB, subdivision: ENG, dates: [2026-12-29]}
sla:
  P1: {respond: 15m, resolve: 4h, calendar: 24x7}
  P2: {respond: 30m, resolve: 8h, calendar: 24x7}
  P3: {respond: 4h, resolve: 24h, calendar: office}
  P4: {respond: 8h, resolve: 40h, calendar: office}
pause_states: [On Hold]
targets: {resolution_sla_pct: 95, response_sla_pct: 95, mttr_hours: 12, reopen_rate_pct: 5}
email:
  host: smtp.example.org
  port: 587
  security: starttls
  username: reports@example.org
  password_env: CCREPORT_SMTP_PASSWORD
  from: reports@example.org
  to: [ops-leads@example.org]
"""


def test_spec_example_loads(tmp_path):
    p = tmp_path / "ccreport.yaml"
    p.write_text(FULL)
    cfg = load_config(p, env={})
    assert cfg.sla["P1"].respond == 0.25 and cfg.sla["P4"].resolve == 40
    assert cfg.calendars["office"].weekmask == "1111100"
    assert str(cfg.calendars["office"].holidays.dates[0]) == "2026-12-29"
    assert cfg.email.from_ == "reports@example.org" and cfg.dayfirst is True


@pytest.mark.parametrize("text,match", [
    ("timezne: UTC\n", r"line 1: timezne: unknown key"),
    ("targets:\n  mttr_hours: soon\n", r"line 2: targets.mttr_hours: .*number"),
    ("sla:\n  P1: {respond: 15x}\n", r"line 2: sla.P1.respond: '15x' is not a duration"),
    ("sla:\n  P3: {calendar: office}\n", r"sla.P3.calendar: 'office' is not defined under calendars"),
    ("timezone: Mars/Olympus\n", r"line 1: timezone: 'Mars/Olympus' is not an IANA time zone"),
    ("priority_map: {Urgent: P7}\n", r"line 1: priority_map.Urgent"),
    ("calendars:\n  office: {hours: '18:00-08:00'}\n", r"calendars.office.hours"),
    ("- a\n- b\n", r"must be a mapping"),
])
def test_config_errors_name_key_and_file(tmp_path, text, match):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match) as err:
        load_config(p, env={})
    assert str(p) in str(err.value)


def test_env_overrides_file(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("timezone: Europe/London\npreset: jira\n")
    cfg = load_config(p, env={"CCREPORT_TIMEZONE": "America/New_York"})
    assert cfg.timezone == "America/New_York" and cfg.preset == "jira"


def test_config_from_env_var_path(tmp_path, monkeypatch):
    p = tmp_path / "elsewhere.yaml"
    p.write_text("timezone: Europe/Paris\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(None, env={"CCREPORT_CONFIG": str(p)}).timezone == "Europe/Paris"


def test_default_config_is_found_in_cwd(tmp_path, monkeypatch):
    (tmp_path / "ccreport.yaml").write_text("timezone: Europe/Dublin\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(None, env={}).timezone == "Europe/Dublin"


@pytest.mark.parametrize("value,hours", [("15m", 0.25), ("4h", 4), ("3d", 72), (2, 2.0), ("1.5h", 1.5)])
def test_durations(value, hours):
    assert parse_duration(value) == hours


@pytest.mark.parametrize("text,match", [
    ("a: 1\na: 2\n", r"line 2: duplicate key 'a'"),
    ("a: &x [1]\nb: *x\n", "anchors and aliases"),
    ("a:\n\tb: 1\n", "line 2: a tab character"),
    ("a: [1,\n", "line 2"),
])
def test_strict_yaml_refuses(text, match):
    with pytest.raises(ConfigError, match=match):
        loads(text, "x.yaml")


def test_yaml_11_surprises_stay_strings():
    # Without YAML 1.2 scalars, NO is False, 0123 is 83 and 1:30 is 90.
    data = loads("a: NO\nb: 0123\nc: 1:30\nd: 2026-13-45\ne: on\nf: true\ng: 12\n").data
    assert data == {"a": "NO", "b": "0123", "c": "1:30", "d": "2026-13-45", "e": "on", "f": True, "g": 12}
