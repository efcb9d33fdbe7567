"""Schema gaps a real strategy hits (issue 16, item 7) and the sector pack's regulators (item 8):
optional for old files, checked where the centre's own answers make them relevant, rendered."""

from __future__ import annotations

import pytest

from ccreport.document import Table
from ccreport.documents.strategy import build_strategy
from ccreport.errors import ConfigError
from ccreport.strategy import check, loads_strategy

BASE = """\
organisation:
  name: Moorside Community Health
  {sector}
  description: {description}
  sites: {sites}
"""


def rules(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in check(loads_strategy(text)):
        out.setdefault(f.rule, []).append(f)
    return out


def strategy(*, sector: str = "", description: str = "A booking line for the council leisure centres.",
             sites: str = "[Leeds]", extra: str = "") -> str:
    return BASE.format(sector=f"sector: {sector}" if sector else "", description=description, sites=sites) + extra


EPRR = """\
regulatory:
  uk_gdpr_art33: true
  extra:
    - {title: NHS EPRR major incident reporting, obligation: Report to the ICB on-call, owner: Duty Manager}
    - {title: CQC notification, obligation: Notify the CQC of events that stop safe care}
    - {title: DSPT incident reporting, obligation: Report through the DSP Toolkit within 72 hours}
"""


def test_an_old_file_stays_valid_and_quiet():
    found = rules(strategy())
    for rule in ("welfare", "failover", "major-levels", "clocks", "sector-regulators"):
        assert rule not in found, rule


def test_health_sector_without_its_regulators_is_an_error():
    found = rules(strategy(sector="health", extra="regulatory: {uk_gdpr_art33: true}\n"))
    msgs = [f.message for f in found["sector-regulators"]]
    assert all(f.severity == "error" and f.point == 10 for f in found["sector-regulators"])
    assert any("EPRR" in m for m in msgs) and any("CQC" in m for m in msgs)


def test_health_sector_with_its_regulators_passes_that_check():
    assert "sector-regulators" not in rules(strategy(sector="health", extra=EPRR))


def test_a_regulator_recorded_not_applicable_passes_and_is_rendered():
    text = strategy(sector="health", extra=EPRR.replace(
        "    - {title: CQC notification, obligation: Notify the CQC of events that stop safe care}\n",
        "    - {title: CQC notification, not_applicable: The centre books appointments only and provides no care}\n"))
    assert "sector-regulators" not in rules(text)
    doc = build_strategy(loads_strategy(text))
    table = next(t for t in doc.walk() if isinstance(t, Table) and "not applying" in t.caption)
    assert table.rows == [["CQC notification", "The centre books appointments only and provides no care"]]
    duties = next(t for t in doc.walk() if isinstance(t, Table) and t.caption.startswith("Regulatory"))
    assert not any("CQC" in r[0] for r in duties.rows)


def test_an_extra_needs_an_obligation_or_a_reason():
    with pytest.raises(ConfigError, match="obligation"):
        loads_strategy(strategy(extra="regulatory:\n  extra:\n    - {title: Something}\n"))


def test_unknown_sector_is_a_warning():
    found = rules(strategy(sector="space tourism"))
    assert [f.severity for f in found["sector-regulators"]] == ["warning"]


def test_patients_make_welfare_relevant():
    found = rules(strategy(description="Patients ring to book and change hospital appointments."))
    assert [f.path for f in found["welfare"]] == ["welfare"]
    good = strategy(description="Patients ring to book and change hospital appointments.", extra="""\
welfare:
  how_identified: Patients flagged as vulnerable in the patient administration system
  what_changes: [Flagged patients are called back first when a clinic is cancelled]
  owner: Duty Manager
""")
    assert "welfare" not in rules(good)


def test_several_sites_without_failover():
    found = rules(strategy(sites="[Leeds, Wakefield]"))
    assert [f.path for f in found["failover"]] == ["business_continuity.failover"]
    good = strategy(sites="[Leeds, Wakefield]", extra="""\
business_continuity:
  failover:
    - {to: Wakefield, trigger: Leeds phones down over 30 minutes, capacity: 20 seats, notice: 1h, invoked_by: [Duty Manager]}
    - {to: Leeds, trigger: Wakefield phones down over 30 minutes, capacity: 12 seats, notice: 1h, invoked_by: [Duty Manager]}
""")
    assert "failover" not in rules(good)


def test_levels_render_with_criteria_and_who_declares():
    text = strategy(extra="""\
roles: [{name: On-call Manager}, {name: Director on call}]
major_incidents:
  major_criteria: [A whole site is closed]
  minor_criteria: [One clinic's phone line down under 1 hour]
  declared_by: [On-call Manager]
  levels:
    - {name: Business continuity incident, criteria: [One site cannot take calls for over 1 hour], declared_by: [On-call Manager]}
    - {name: Critical incident, criteria: [Patient safety at risk at more than one site], declared_by: [Director on call]}
    - {name: Major incident, criteria: [Special arrangements needed across the trust], declared_by: [Director on call]}
""")
    assert "major-levels" not in rules(text)
    doc = build_strategy(loads_strategy(text))
    table = next(t for t in doc.walk() if isinstance(t, Table) and t.caption.startswith("Levels"))
    assert [r[0] for r in table.rows] == ["Business continuity incident", "Critical incident", "Major incident"]
    assert table.rows[1][2] == "Director on call"
    unknown = text.replace("declared_by: [Director on call]}\n    - {name: Major", "declared_by: [Chief Nurse]}\n    - {name: Major")
    assert any(f.path.startswith("major_incidents.levels[1].declared_by") for f in rules(unknown)["owner-role"])


def test_a_clock_must_exist():
    with pytest.raises(ConfigError, match="not a clock under clocks"):
        loads_strategy(strategy(extra="priorities:\n  P3: {respond: 1h, resolve: 4h, clock: office}\n"))
    s = loads_strategy(strategy(extra="clocks:\n  office: {days: [mon, tue], hours: '09:00-17:00'}\n"
                                      "priorities:\n  P3: {respond: 1h, resolve: 4h, clock: Office}\n"))
    assert s.priorities["P3"].clock == "Office"


# ---- the Table.refs contract (document.py) -----------------------------------------------


def test_table_refs_are_validated_like_rag():
    from ccreport.document import Column

    cols = [Column("Point"), Column("Where")]
    t = Table(cols, [["1", "3 Scope; Cover: document control"]], refs=[[None, "sec-3 -"]])
    assert t.cell_refs(0, 1) == [("3 Scope", "sec-3"), ("Cover: document control", None)]
    assert t.cell_refs(0, 0) == [("1", None)]
    with pytest.raises(ValueError, match="one entry per row"):
        Table(cols, [["1", "3 Scope"]], refs=[])
    with pytest.raises(ValueError, match="not a section anchor"):
        Table(cols, [["1", "3 Scope"]], refs=[[None, "javascript:alert(1)"]])
    with pytest.raises(ValueError, match="one anchor per"):
        Table(cols, [["1", "3 Scope; 4 Objectives"]], refs=[[None, "sec-3"]])
    capped = Table.capped(cols, [["1", "3 Scope"]] * 3, limit=2, refs=[[None, "sec-3"]] * 3)
    assert len(capped.refs) == 2


def test_refs_render_in_every_format(tmp_path):
    from ccreport.document import Column, Document, Paragraph, Section
    from ccreport.render.docx import bookmark_name, render_docx
    from ccreport.render.html import render_html
    from ccreport.render.markdown import render_markdown

    doc = Document("strategy", "T", blocks=[
        Section("Scope", [Paragraph("In scope.")]),
        Section("Where <evidence> is", [Table([Column("Point"), Column("Where")], [["1", "1 Scope"]],
                                             refs=[[None, "sec-1"]]),
                                       Paragraph("Standard words.", generated=True)]),
    ])
    html = render_html(doc, {})
    assert '<a class="xref" href="#sec-1">1 Scope</a>' in html and 'id="sec-1"' in html
    assert 'class="text generated"' in html and "Where &lt;evidence&gt; is" in html
    md, _ = render_markdown(doc, None, "files")
    assert "[1 Scope](#1-scope)" in md and "> *Standard text*" in md
    from docx import Document as open_docx
    import io

    word = open_docx(io.BytesIO(render_docx(doc)))
    from docx.oxml.ns import qn

    body = word.element.body
    assert bookmark_name("sec-1") in {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    assert any(f"PAGEREF {bookmark_name('sec-1')}" in (t.text or "") for t in body.iter(qn("w:instrText")))
    cell_links = [h.get(qn("w:anchor")) for h in word.tables[-1]._tbl.iter(qn("w:hyperlink"))]
    assert cell_links == [bookmark_name("sec-1")]  # the contents links to every heading besides


def test_the_health_skeleton_offers_the_eprr_levels():
    from ccreport.strategy.prompts import is_prompt
    from ccreport.strategy.skeleton import Answers, skeleton_text

    s = loads_strategy(skeleton_text(Answers.from_mapping({"name": "Moorside", "sector": "health"})))
    levels = s.major_incidents.levels
    assert [lv.name for lv in levels] == ["Business continuity incident", "Critical incident", "Major incident"]
    assert all(is_prompt(c) for lv in levels for c in lv.criteria + lv.declared_by)
    assert not loads_strategy(skeleton_text(Answers.from_mapping({"name": "R", "sector": "retail"}))).major_incidents.levels
