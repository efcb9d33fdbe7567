"""The guided `ccreport init` (issue 16 item 1) and the writer's own sections in the strategy
document (item 2): the skeleton is driven through an answers file, options and a real
pseudo-terminal; it loads, renders (Markdown, PDF read back) with every prompt visible as a gap;
each sector pack fills its categories and regulators; `--example` writes the marked example;
without a terminal and without answers init fails with a one-line usage error.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pypdf
import pytest

from ccreport.document import Callout, Paragraph, Section
from ccreport.documents.strategy import DOCUMENT_ORDER, LEARNER_TITLES, build_strategy
from ccreport.strategy import load_strategy
from ccreport.strategy.model import REGULATORY_OBLIGATIONS, loads_strategy, regulatory_requirements
from ccreport.strategy.prompts import LEARNER_SECTIONS, is_prompt
from ccreport.strategy.skeleton import SECTORS, Answers, sector_pack, skeleton_text

from .util import ROOT, run_cli, write

ANSWERS = """\
name: Riverside Health Contact Centre
sector: health
seats: 85
sites: [Sheffield, Rotherham]
channels: [Voice, Web chat, Email]
hours: Mon-Sat 08:00-20:00
card_payments: true
vulnerable_customers: true
systems: [EMIS Web, Genesys Cloud]
suppliers: [Daisy Communications]
regulators: [Parliamentary and Health Service Ombudsman]
"""


def _all_text(value) -> list[str]:
    """Every string in a loaded YAML mapping (the skeleton's values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _all_text(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _all_text(v)]
    return []


def _sections(doc) -> list[Section]:
    return [b for b in doc.blocks if isinstance(b, Section)]


# --------------------------------------------------------------------------- answers file


@pytest.fixture
def skeleton_dir(tmp_path):
    answers = write(tmp_path, "answers.yaml", ANSWERS)
    r = run_cli("init", tmp_path / "centre", "--answers", answers)
    assert r.returncode == 0, r.stderr
    return tmp_path / "centre"


def test_answers_file_fills_the_facts(skeleton_dir):
    assert sorted(p.name for p in skeleton_dir.iterdir()) == ["ccreport.yaml", "pir-narrative.md", "strategy.yaml"]
    s = load_strategy(skeleton_dir / "strategy.yaml")
    org = s.organisation
    assert org.name == "Riverside Health Contact Centre"
    assert org.sites == ("Sheffield", "Rotherham") and org.channels == ("Voice", "Web chat", "Email")
    assert "85" in org.description and "Mon-Sat 08:00-20:00" in org.description
    # the health pack's categories, offered as suggestions with a priority each
    names = [c.name for c in s.categories]
    assert names == [c.name for c in sector_pack("health").categories]
    assert all(c.default_priority and c.examples for c in s.categories)
    # card payments -> PCI DSS; personal data -> UK GDPR; vulnerable -> Equality Act and the pack's duty
    keys = {r.key for r in regulatory_requirements(s)}
    assert {"pci_dss_12_10", "uk_gdpr_art33", "equality_act"} <= keys
    titles = " ".join(r.title + " " + (r.notes or "") for r in regulatory_requirements(s))
    for regulator in ("EPRR", "CQC", "Data Security and Protection Toolkit", "Patient safety",
                      "Parliamentary and Health Service Ombudsman"):
        assert regulator in titles, regulator
    # suppliers are functional escalation tiers; systems are continuity services
    assert "Daisy Communications" in [t.team for t in s.escalation.functional]
    assert [x.service for x in s.business_continuity.services] == ["EMIS Web", "Genesys Cloud"]


def test_every_judgement_is_a_prompt(skeleton_dir):
    s = load_strategy(skeleton_dir / "strategy.yaml")
    for key, _title, _words in LEARNER_SECTIONS:
        assert is_prompt(getattr(s.learner, key)), key
    assert all(is_prompt(c.definition) and is_prompt(c.rationale) for c in s.categories)
    mi = s.major_incidents
    assert all(is_prompt(x) for x in mi.major_criteria + mi.minor_criteria) and is_prompt(mi.rationale)
    assert all(is_prompt(x.feedback) and is_prompt(x.change_made) for x in s.consultation)
    assert all(is_prompt(e.scenario) for e in s.exercises)
    assert all(is_prompt(p.rationale) for p in s.priorities.values())
    assert all(is_prompt(g.text) for g in s.organisation.goals)
    # and nothing is copied from the worked example: no Northwind, no example wording
    text = (skeleton_dir / "strategy.yaml").read_text(encoding="utf-8")
    assert "Northwind" not in text and "Leeds" not in text


def test_skeleton_renders_with_the_prompts_visible(skeleton_dir, tmp_path):
    out = tmp_path / "out"
    r = run_cli("strategy", skeleton_dir / "strategy.yaml", "--format", "md,pdf", "--out", out)
    assert r.returncode == 0, r.stderr
    md = next(out.glob("*.md")).read_text(encoding="utf-8")
    pdf = " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(next(out.glob("*.pdf"))).pages)
    for text in (md, " ".join(md.split())):
        assert "Riverside Health Contact Centre" in text
    for title in LEARNER_TITLES.values():
        assert title in pdf and title in md, title
    # the learner's prompts are shown as gaps to write, not as the writer's text
    assert "Written by" not in pdf
    assert "one incident traced from detection to its post-incident review" in pdf
    assert pdf.count("To write") >= len(LEARNER_SECTIONS) + len(sector_pack("health").categories)
    # the executive summary comes first
    assert pdf.index("1 Executive summary") < pdf.index("2 Organisation and goals")


def test_strategy_check_reports_the_skeleton_as_unfinished(skeleton_dir):
    r = run_cli("strategy-check", skeleton_dir / "strategy.yaml")
    assert r.returncode != 0  # a skeleton is not a finished strategy


# --------------------------------------------------------------------------- options and no terminal


def test_options_without_a_terminal(tmp_path):
    r = run_cli("init", tmp_path / "c", "--name", "Acme Energy", "--sector", "energy and utilities", "--site", "Leeds",
                "--channel", "Voice", "--no-card-payments", "--vulnerable", input="")
    assert r.returncode == 0, r.stderr
    s = load_strategy(tmp_path / "c" / "strategy.yaml")
    assert s.organisation.name == "Acme Energy" and s.organisation.sites == ("Leeds",)
    titles = [r.title for r in regulatory_requirements(s)]
    assert any("Ofgem" in t for t in titles) and any("Priority Services Register" in t for t in titles)
    assert "pci_dss_12_10" not in {r.key for r in regulatory_requirements(s)}  # no card payments


def test_no_terminal_and_no_answers_is_a_usage_error(tmp_path):
    r = run_cli("init", tmp_path / "c", input="")
    assert r.returncode == 2
    lines = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "--answers" in lines[0] and "--example" in lines[0]
    assert not (tmp_path / "c").exists()


def test_bad_answers_are_one_line_errors(tmp_path):
    bad = write(tmp_path, "a.yaml", "name: X\nsector: mining\n")
    r = run_cli("init", tmp_path / "c", "--answers", bad)
    assert r.returncode != 0 and "mining" in r.stderr and "health" in r.stderr
    typo = write(tmp_path, "b.yaml", "name: X\nsector: retail\nseat: 3\n")
    r = run_cli("init", tmp_path / "d", "--answers", typo)
    assert r.returncode != 0 and "seat" in r.stderr
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_existing_files_are_refused_without_force(skeleton_dir):
    before = (skeleton_dir / "strategy.yaml").read_text(encoding="utf-8")
    r = run_cli("init", skeleton_dir, "--name", "Other", "--sector", "retail")
    assert r.returncode != 0 and "--force" in r.stderr
    assert (skeleton_dir / "strategy.yaml").read_text(encoding="utf-8") == before
    r = run_cli("init", skeleton_dir, "--name", "Other", "--sector", "retail", "--force")
    assert r.returncode == 0 and load_strategy(skeleton_dir / "strategy.yaml").organisation.name == "Other"


# --------------------------------------------------------------------------- example


def test_example_writes_the_marked_worked_example(tmp_path):
    r = run_cli("init", tmp_path / "ex", "--example", input="")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "ex" / "strategy.yaml").read_text(encoding="utf-8")
    assert text.startswith("# THE WORKED EXAMPLE")
    shipped = (ROOT / "ccreport" / "examples" / "strategy.yaml").read_text(encoding="utf-8")
    assert text.endswith(shipped)
    assert load_strategy(tmp_path / "ex" / "strategy.yaml").organisation.name == "Northwind Contact Centre"


# --------------------------------------------------------------------------- sector packs


@pytest.mark.parametrize("sector", SECTORS)
def test_each_sector_pack_loads_and_fills_the_skeleton(sector):
    pack = sector_pack(sector)
    assert len(pack.categories) >= 5 and pack.regulators and pack.vulnerable
    assert all(c.default_priority in ("P1", "P2", "P3", "P4", "P5") and c.example for c in pack.categories)
    assert set(pack.flags + pack.card_flags) <= set(REGULATORY_OBLIGATIONS)
    s = loads_strategy(skeleton_text(Answers.from_mapping({"name": "Test centre", "sector": sector,
                                                           "vulnerable_customers": True})))
    assert [c.name for c in s.categories] == [c.name for c in pack.categories]
    titles = {r.title for r in regulatory_requirements(s)}
    assert {d.title for d in pack.regulators + pack.vulnerable} <= titles


@pytest.mark.parametrize("sector, expected", [
    ("health", ["NHS England EPRR", "CQC", "Data Security and Protection Toolkit"]),
    ("energy", ["Ofgem", "Priority Services Register"]),
    ("financial", ["FCA operational resilience", "Payment Systems Regulator", "PCI DSS"]),
    ("retail", ["PCI DSS", "ICO"]),
    ("public", ["ICO", "GovS 007", "Cyber Assessment Framework"]),
    ("telecoms", ["Ofcom", "Telecommunications (Security) Act 2021"]),
])
def test_sector_regulators(sector, expected):
    s = loads_strategy(skeleton_text(Answers.from_mapping({"name": "T", "sector": sector, "card_payments": True,
                                                           "vulnerable_customers": True})))
    titles = " ".join(r.title for r in regulatory_requirements(s))
    for name in expected:
        assert name in titles, (sector, name)


def test_packs_are_in_the_wheel_config():
    # hatch ships every file under the package folder: the packs sit inside ccreport/
    assert 'packages = ["ccreport"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert sorted(p.stem for p in (ROOT / "ccreport" / "sectors").glob("*.yaml")) == sorted(SECTORS)


# --------------------------------------------------------------------------- the writer's sections


def test_written_sections_render_as_the_writers_text_in_place():
    s = loads_strategy(skeleton_text(Answers.from_mapping({"name": "T", "sector": "retail"})))
    written = "We answer the phone.\n\nSecond paragraph of the summary."
    s = s.model_copy(update={"learner": s.learner.model_copy(update={"executive_summary": written,
                                                                     "reflection": None})})
    doc = build_strategy(s)
    top = _sections(doc)
    assert [sec.title for sec in top][:2] == [LEARNER_TITLES["executive_summary"], "Organisation and goals"]
    assert [sec.title for sec in top][-1] == LEARNER_TITLES["reflection"]
    order = [sec.title for sec in top]
    assert order.index(LEARNER_TITLES["worked_scenario"]) == order.index("Procedures") + 1
    assert order.index(LEARNER_TITLES["kpi_impact"]) + 1 == order.index("Continuous improvement")
    summary = top[0]
    texts = [b.text for b in summary.children if isinstance(b, Paragraph)]
    assert "We answer the phone." in texts and "Second paragraph of the summary." in texts
    assert not any(isinstance(b, Callout) for b in summary.children)
    reflection = top[-1]
    assert [type(b) for b in reflection.children] == [Callout]  # not written: a gap
    scenario = top[order.index(LEARNER_TITLES["worked_scenario"])]
    (gap,) = scenario.children
    assert isinstance(gap, Callout) and gap.kind == "todo" and "detection" in gap.text
    assert len(DOCUMENT_ORDER) == len(top)


# --------------------------------------------------------------------------- pseudo-terminal


def _expect(fd: int, wanted: str, seen: list[str], timeout: float = 60) -> None:
    """Read the terminal until `wanted` appears in what the CLI printed since the last answer."""
    end = time.monotonic() + timeout
    buf = ""
    while wanted.lower() not in buf.lower():
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no prompt {wanted!r}; the terminal showed: {''.join(seen) + buf!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                chunk = ""
            if not chunk:
                raise AssertionError(f"the CLI ended before {wanted!r}: {''.join(seen) + buf!r}")
            buf += chunk
    seen.append(buf)


def test_guided_init_on_a_pseudo_terminal(tmp_path):
    main_fd, child_fd = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ccreport.cli", "init", str(tmp_path / "c")],
                            stdin=child_fd, stdout=child_fd, stderr=child_fd, close_fds=True,
                            env={**os.environ, "TERM": "dumb"})
    os.close(child_fd)
    seen: list[str] = []
    try:
        for wanted, answer in [
            ("centre name", "Harbour Telecom Care"),
            ("Sector", "mining"),  # not a pack: asked again
            ("Sector", "telecoms"),
            ("seats", "120"),
            ("Sites", "Cardiff, Swansea"),
            ("channels", "Voice, Web chat"),
            ("Opening hours", "24x7"),
            ("card payments", "y"),
            ("vulnerable", "y"),
            ("Key systems", "Avaya, Salesforce"),
            ("Key suppliers", "Openreach"),
            ("Regulators", ""),
        ]:
            _expect(main_fd, wanted, seen)
            os.write(main_fd, (answer + "\n").encode())
        _expect(main_fd, "Wrote", seen)
        assert proc.wait(timeout=60) == 0, "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main_fd)
    assert "no sector pack" in "".join(seen)
    s = load_strategy(tmp_path / "c" / "strategy.yaml")
    assert s.organisation.name == "Harbour Telecom Care"
    assert s.organisation.sites == ("Cardiff", "Swansea") and "24x7" in s.organisation.description
    keys = {r.key for r in regulatory_requirements(s)}
    assert {"ofcom", "pci_dss_12_10", "equality_act"} <= keys
    assert "Openreach" in [t.team for t in s.escalation.functional]
    assert [c.name for c in s.categories] == [c.name for c in sector_pack("telecoms").categories]


def test_prompts_never_become_the_documents_metadata():
    s = loads_strategy(skeleton_text(Answers.from_mapping({"name": "Acme Retail", "sector": "retail"})))
    doc = build_strategy(s)
    assert doc.author == "Acme Retail" and "To write" not in doc.subject
    major = next(sec for sec in _sections(doc) if sec.title == "Major and minor incidents")
    gaps = [b for b in major.children if isinstance(b, Callout)]
    assert any("declared" in g.text for g in gaps)
    assert not any("To write" in b.text for b in major.children if isinstance(b, Paragraph) and "How:" in b.text)
