"""`ccreport init`: the starter files load cleanly, the strategy has no findings at all, the PIR
narrative has the SPEC §3.3 front matter, and nothing is overwritten without force.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ccreport.config import load_config
from ccreport.errors import ConfigError
from ccreport.scaffold import FILES, init
from ccreport.strategy import check, coverage, load_strategy
from ccreport.yamlio import loads


def test_init_writes_three_files(tmp_path):
    target = tmp_path / "new" / "folder"
    paths = init(target)
    assert [p.name for p in paths] == ["ccreport.yaml", "strategy.yaml", "pir-narrative.md"]
    assert all(p.is_file() and p.parent == target for p in paths)
    assert sorted(p.name for p in target.iterdir()) == sorted(name for name, _ in FILES)  # no temp files left


def test_config_loads_and_matches_the_strategy(tmp_path):
    init(tmp_path)
    cfg = load_config(tmp_path / "ccreport.yaml", env={})
    assert cfg.organisation.name == "Northwind Contact Centre" and cfg.timezone == "Europe/London"
    assert cfg.email.password_env == "CCREPORT_SMTP_PASSWORD"
    strategy = load_strategy(tmp_path / "strategy.yaml")
    # the SLA targets in the config are the strategy's priority targets
    for p, target in strategy.priorities.items():
        assert (cfg.sla[p].respond, cfg.sla[p].resolve) == (target.respond.hours, target.resolve.hours), p
    assert [list(r) for r in cfg.priority_matrix] == [list(r) for r in strategy.priority_matrix]


def test_strategy_is_the_example_and_only_that_is_found(tmp_path):
    init(tmp_path)
    findings = check(tmp_path / "strategy.yaml")
    assert [(f.rule, f.path) for f in findings] == [("example-copied", "document_control.status")]
    rows = coverage(load_strategy(tmp_path / "strategy.yaml"), findings)
    assert [r.point for r in rows if not r.met] == [5]  # the example is not the writer's own


def test_strategy_is_the_northwind_centre(tmp_path):
    init(tmp_path)
    s = load_strategy(tmp_path / "strategy.yaml")
    assert s.organisation.sites == ("Leeds", "Glasgow")
    assert {c.lower() for c in s.organisation.channels} >= {"voice", "web chat", "email", "social messaging"}
    # categories match the sample data, so the evidence section finds them
    assert {c.name for c in s.categories} >= {"Telephony outage", "CRM failure", "Security / data breach",
                                              "High call volume"}


def test_pir_narrative_front_matter(tmp_path):
    init(tmp_path)
    text = (tmp_path / "pir-narrative.md").read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, flags=re.S)
    assert m, "front matter between --- lines"
    meta = loads(m.group(1), "pir-narrative.md").data
    assert set(meta) == {"status", "owner", "summary", "root_cause", "contributing_factors", "went_well",
                         "to_improve", "lucky", "actions", "lessons", "regulatory"}
    assert meta["status"] in ("Draft", "In Review", "Reviewed", "Closed")
    for action in meta["actions"]:
        assert set(action) == {"action", "owner", "due", "type", "status"}
        assert action["type"] in ("mitigate", "prevent", "process", "other")
        dt.date.fromisoformat(action["due"])
    assert isinstance(meta["regulatory"], list)
    body = m.group(2)
    assert body.lstrip().startswith("## ") and "| Time | Event |" in body


def test_pir_narrative_is_blameless(tmp_path):
    init(tmp_path)
    text = (tmp_path / "pir-narrative.md").read_text(encoding="utf-8").lower()
    for word in ("human error", "failed to", "should have", "careless", "to blame", "fault of", "mistake by"):
        assert word not in text, word


def test_refuses_to_overwrite(tmp_path):
    (tmp_path / "strategy.yaml").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        init(tmp_path)
    assert "strategy.yaml already exists" in str(err.value) and "--force" in str(err.value)
    assert (tmp_path / "strategy.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "ccreport.yaml").exists()  # all or nothing


def test_names_every_existing_file(tmp_path):
    init(tmp_path)
    with pytest.raises(ConfigError, match=r"ccreport\.yaml, .*strategy\.yaml, .*pir-narrative\.md already exist"):
        init(tmp_path)


def test_force_overwrites(tmp_path):
    (tmp_path / "strategy.yaml").write_text("mine\n", encoding="utf-8")
    init(tmp_path, force=True)
    assert [f.rule for f in check(tmp_path / "strategy.yaml")] == ["example-copied"]


def test_target_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        init(f)
