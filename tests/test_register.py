"""The PIR action register (issue 15 item 2, SPEC §5.1): every review narrative in a folder.

One small export with a planted story, October 2026 in Europe/London, reviews due 5 working
days after resolution:

- INC100: a major incident of August (resolved Mon 10 Aug: due Mon 17 Aug), its review still In
  Review: overdue. Its actions: one open and past due, one Closed (done), one due in December.
- INC200: a major incident of October (resolved Mon 5 Oct: due Mon 12 Oct), review Closed: not
  overdue; its actions: one in progress due 30 Oct (overdue on the 31st), one due 31 Oct (not
  yet), one with no due date.
- INC300: October major, resolved Tue 6 Oct (due Tue 13 Oct), no narrative: a missing review,
  overdue.
- INC400: October major, resolved Thu 29 Oct (due Thu 5 Nov), no narrative: not yet due.
- INC500: October major still open: no review is due, it is not in the register.
- INC999: a narrative for an incident the export does not have (no due date, never overdue);
  its one action is open and was due in September: overdue.

The due dates are worked out by hand above (weekends skipped), not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from ccreport import app
from ccreport.config import load_config
from ccreport.pir.narrative import loads_narrative
from ccreport.pir.register import ActionItem, Register, Review, build_register, read_narratives

from .util import run_cli

CONFIG = """\
organisation: {name: Register Test Centre}
timezone: Europe/London
sla:
  P1: {respond: 15m, resolve: 4h, calendar: 24x7}
  P2: {respond: 30m, resolve: 8h, calendar: 24x7}
  P3: {respond: 4h, resolve: 24h, calendar: 24x7}
report: {review_working_days: 5}
"""

HEADER = "incident_id,title,category,service,site,priority,status,major,opened_at,acknowledged_at,resolved_at\n"
ROWS = [
    # id, title, category, site, priority, status, major, opened, resolved
    ("INC100", "Billing gateway outage", "Billing", "Leeds", "P1", "Resolved", "true",
     "2026-08-10T08:00:00Z", "2026-08-10T11:00:00Z"),
    ("INC200", "Telephony platform down", "Telephony", "Leeds", "P1", "Resolved", "true",
     "2026-10-05T08:00:00Z", "2026-10-05T10:00:00Z"),
    ("INC300", "CRM unavailable", "CRM", "Glasgow", "P1", "Resolved", "true",
     "2026-10-06T08:00:00Z", "2026-10-06T10:30:00Z"),
    ("INC400", "Web chat failing", "Web chat", "Glasgow", "P2", "Resolved", "true",
     "2026-10-28T09:00:00Z", "2026-10-29T09:00:00Z"),
    ("INC500", "Payments degraded", "Payments", "Leeds", "P2", "In Progress", "true",
     "2026-10-30T09:00:00Z", ""),
]
ORDINARY = [(f"INC{600 + k}", f"Login slow {k}", "CRM", "Leeds" if k % 2 else "Glasgow", "P3", "Resolved", "false",
             f"2026-{m}-{d:02d}T09:00:00Z", f"2026-{m}-{d:02d}T12:00:00Z")
            for k, (m, d) in enumerate([(m, d) for m in ("08", "09", "10") for d in (3, 12, 21, 31)
                                        if (m, d) != ("09", 31)])]

NARRATIVES = {
    "INC100.md": """---
status: In Review
owner: Billing service owner
actions:
  - {action: Add a retry alert on the gateway, owner: Billing Platform lead, due: 2026-09-15, type: prevent, status: open}
  - {action: Rotate the gateway certificate, owner: Security lead, due: 2026-09-01, type: mitigate, status: Closed}
  - {action: Rehearse the gateway failover, owner: Billing Platform lead, due: 2026-12-01, type: process}
---
The gateway review.
""",
    "pir-INC200.md": """---
status: closed
owner: Telephony manager
actions:
  - {action: Split the SIP trunks across two carriers, owner: Telephony lead, due: 2026-10-30, type: prevent, status: in progress}
  - {action: Publish the outage IVR message template, owner: Contact centre manager, due: 2026-10-31, type: mitigate}
  - {action: Review carrier contract penalties, owner: Supplier manager, type: other}
---
""",
    "INC999.md": """---
status: Draft
actions:
  - {action: Confirm the backup line test schedule, owner: Facilities, due: 2026-09-20, type: process}
---
""",
}

LAST_DAY = dt.date(2026, 10, 31)


def _export(folder: Path) -> Path:
    lines = [",".join((i, t, cat, cat, site, p, st, mj, o, o, r)) for i, t, cat, site, p, st, mj, o, r in ROWS + ORDINARY]
    path = folder / "export.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reviews(folder: Path, files: dict[str, str] = NARRATIVES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("register")
    (root / "ccreport.yaml").write_text(CONFIG, encoding="utf-8")
    return {"root": root, "config": root / "ccreport.yaml", "export": _export(root),
            "reviews": _reviews(root / "reviews")}


@pytest.fixture(scope="module")
def register(story) -> Register:
    config = load_config(story["config"])
    result = app.load(config, app.Inputs((str(story["export"]),)))
    ms = app.compute(config, result, app.period(config, "2026-10"))
    reg = app.register(config, app.narratives(config, story["reviews"]), result, ms)
    assert reg is not None
    return reg


def _by_id(reg: Register) -> dict[str, Review]:
    return {r.incident_id: r for r in reg.reviews}


def _actions(reg: Register) -> dict[str, ActionItem]:
    return {a.action: a for a in reg.actions}


# --------------------------------------------------------------------------- the register


def test_reviews_overdue_closed_and_missing(register):
    reviews = _by_id(register)
    assert register.last_day == LAST_DAY
    assert set(reviews) == {"INC100", "INC200", "INC300", "INC400", "INC999"}  # INC500 is still open
    # An August incident's review: due from its resolution in the export, still In Review.
    assert (reviews["INC100"].status, reviews["INC100"].due, reviews["INC100"].overdue) == \
        ("In Review", dt.date(2026, 8, 17), True)
    assert reviews["INC100"].owner == "Billing service owner"
    # Closed reviews are never overdue (the file's "pir-" prefix is not part of the ID).
    assert (reviews["INC200"].status, reviews["INC200"].due, reviews["INC200"].overdue) == \
        ("Closed", dt.date(2026, 10, 12), False)
    # Resolved majors without a narrative: missing, overdue once due.
    assert (reviews["INC300"].status, reviews["INC300"].due, reviews["INC300"].overdue) == \
        (None, dt.date(2026, 10, 13), True)
    assert not reviews["INC300"].on_file
    assert (reviews["INC400"].status, reviews["INC400"].due, reviews["INC400"].overdue) == \
        (None, dt.date(2026, 11, 5), False)
    # An incident the export does not have: no due date, so never called overdue.
    assert (reviews["INC999"].due, reviews["INC999"].overdue) == (None, False)
    assert {r.incident_id for r in register.overdue_reviews} == {"INC100", "INC300"}
    # The statuses the major-incident table and the overdue-review finding read.
    assert register.statuses() == {"INC100": "In Review", "INC200": "Closed", "INC999": "Draft"}


def test_actions_overdue_open_and_done(register):
    acts = _actions(register)
    assert len(register.actions) == 7
    retry = acts["Add a retry alert on the gateway"]
    assert (retry.incident_id, retry.owner, retry.due, retry.type, retry.status, retry.overdue) == \
        ("INC100", "Billing Platform lead", dt.date(2026, 9, 15), "prevent", "open", True)
    # "Closed" is a done action: past its date, but not overdue.
    cert = acts["Rotate the gateway certificate"]
    assert cert.done and not cert.overdue and cert.status == "done"
    assert not acts["Rehearse the gateway failover"].overdue  # due in December
    # A closed review can still have overdue actions.
    sip = acts["Split the SIP trunks across two carriers"]
    assert (sip.status, sip.overdue) == ("in progress", True)
    # Due on the period's last day: not yet past on that day; no due date: never overdue.
    assert not acts["Publish the outage IVR message template"].overdue
    assert not acts["Review carrier contract penalties"].overdue
    assert acts["Confirm the backup line test schedule"].overdue
    assert {a.action for a in register.overdue_actions} == {
        "Add a retry alert on the gateway", "Split the SIP trunks across two carriers",
        "Confirm the backup line test schedule"}
    assert len(register.open_actions) == 6


def test_review_due_follows_the_working_days_setting(story, tmp_path):
    (tmp_path / "ccreport.yaml").write_text(CONFIG.replace("review_working_days: 5", "review_working_days: 10"),
                                            encoding="utf-8")
    config = load_config(tmp_path / "ccreport.yaml")
    result = app.load(config, app.Inputs((str(story["export"]),)))
    ms = app.compute(config, result, app.period(config, "2026-10"))
    reviews = _by_id(app.register(config, read_narratives(story["reviews"]), result, ms))
    # 10 working days: Aug 10 -> Aug 24; Oct 6 -> Oct 20; Oct 29 -> Nov 12.
    assert (reviews["INC100"].due, reviews["INC300"].due, reviews["INC400"].due) == \
        (dt.date(2026, 8, 24), dt.date(2026, 10, 20), dt.date(2026, 11, 12))


def test_a_group_register_keeps_its_own_incidents(story):
    config = load_config(story["config"])
    result = app.load(config, app.Inputs((str(story["export"]),)))
    from ccreport.batch import split_ingest

    glasgow = split_ingest(result, "site")["Glasgow"]
    ms = app.compute(config, glasgow, app.period(config, "2026-10"), coverage=None)
    reg = app.register(config, read_narratives(story["reviews"]), glasgow, ms, only_in_export=True)
    assert {r.incident_id for r in reg.reviews} == {"INC300", "INC400"}
    assert reg.actions == []


# --------------------------------------------------------------------------- config and CLI


def test_the_config_key_is_read_relative_to_the_config_and_the_cli_wins(story, tmp_path, isolated):
    conf = tmp_path / "conf"
    _reviews(conf / "pirs", {"INC300.md": "---\nstatus: Reviewed\nowner: CRM manager\n---\n"})
    (conf / "ccreport.yaml").write_text(CONFIG.replace("report: {review_working_days: 5}",
                                                       "report: {review_working_days: 5, narratives: pirs}"),
                                        encoding="utf-8")
    assert load_config(conf / "ccreport.yaml").report.narratives == "pirs"

    def reviews(*extra: str) -> dict[str, dict]:
        # Run from an unrelated folder (`isolated`): the key resolves against the config's folder.
        r = run_cli("--config", conf / "ccreport.yaml", "metrics", story["export"], "--month", "2026-10",
                    "--format", "json", "--full", *extra)
        assert r.returncode == 0, r.stderr
        return {v["incident_id"]: v for v in json.loads(r.stdout)["reviews"]}

    from_config = reviews()
    assert from_config["INC300"]["status"] == "Reviewed" and not from_config["INC300"]["overdue"]
    assert "INC100" not in from_config
    from_cli = reviews("--narratives", story["reviews"])
    assert from_cli["INC300"]["status"] is None and from_cli["INC300"]["overdue"]
    assert from_cli["INC100"]["status"] == "In Review"


def test_the_json_has_the_register(story):
    r = run_cli("--config", story["config"], "metrics", story["export"], "--month", "2026-10", "--format", "json",
                "--full", "--narratives", story["reviews"])
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    reviews = {v["incident_id"]: v for v in data["reviews"]}
    assert reviews["INC100"] == {"incident_id": "INC100", "status": "In Review", "owner": "Billing service owner",
                                 "due": "2026-08-17", "overdue": True, "actions_total": 3, "actions_open": 2,
                                 "actions_overdue": 1}
    assert reviews["INC300"]["status"] is None and reviews["INC300"]["due"] == "2026-10-13"
    actions = {a["action"]: a for a in data["actions"]}
    assert len(actions) == 7
    assert actions["Add a retry alert on the gateway"] == {
        "incident_id": "INC100", "action": "Add a retry alert on the gateway", "owner": "Billing Platform lead",
        "due": "2026-09-15", "type": "prevent", "status": "open", "overdue": True}
    assert actions["Review carrier contract penalties"]["due"] is None
    # The overdue-review finding reads the statuses: the Closed review is not named, the missing one is.
    overdue = [f for f in data["findings"] if f["kind"] == "overdue_review"]
    assert overdue and overdue[0]["evidence"]["incident_ids"] == ["INC300"]
    # ... and counts the register's overdue actions.
    assert overdue[0]["evidence"]["overdue_actions"] == 3
    assert re.search(r"\b3\b[^.;]*action", overdue[0]["statement"]), overdue[0]["statement"]
    # Without --full, or without narratives, the JSON has no register.
    core = run_cli("--config", story["config"], "metrics", story["export"], "--month", "2026-10", "--format",
                   "json", "--narratives", story["reviews"])
    assert core.returncode == 0 and "reviews" not in json.loads(core.stdout)
    plain = run_cli("--config", story["config"], "metrics", story["export"], "--month", "2026-10", "--format",
                    "json", "--full")
    assert plain.returncode == 0 and "actions" not in json.loads(plain.stdout)


def test_a_bad_narrative_in_the_folder_is_one_line_naming_it(story, tmp_path):
    bad = _reviews(tmp_path / "reviews", {**NARRATIVES, "INC300.md": "---\nstatus: Done-ish\n---\n"})
    for command in (["monthly", "--format", "md", "--out", str(tmp_path / "out")],
                    ["metrics", "--format", "json", "--full"]):
        r = run_cli("--config", story["config"], command[0], story["export"], "--month", "2026-10", *command[1:],
                    "--narratives", bad)
        assert r.returncode == 1, (command, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "INC300.md" in lines[0] and "status" in lines[0], r.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.md"))


def test_a_missing_configured_folder_names_the_key(story, tmp_path):
    (tmp_path / "ccreport.yaml").write_text(CONFIG.replace("report: {review_working_days: 5}",
                                                           "report: {narratives: nowhere}"), encoding="utf-8")
    r = run_cli("--config", tmp_path / "ccreport.yaml", "monthly", story["export"], "--month", "2026-10",
                "--format", "md", "--out", tmp_path / "out")
    assert r.returncode == 1 and "report.narratives needs a folder" in r.stderr and "nowhere" in r.stderr


# --------------------------------------------------------------------------- the report


def _section(md: str, title: str) -> str:
    """The Markdown of the section headed `title`, up to the next section."""
    start = re.search(rf"^## .*{re.escape(title)}$", md, re.MULTILINE).start()
    return md[start: md.find("\n## ", start + 1)]


@pytest.fixture(scope="module")
def rendered(story) -> Path:
    out = story["root"] / "out"
    r = run_cli("--config", story["config"], "monthly", story["export"], "--month", "2026-10",
                "--format", "md,pdf,docx", "--out", out, "--narratives", story["reviews"])
    assert r.returncode == 0, r.stderr
    return out


def test_the_report_lists_open_and_overdue_actions_overdue_first(rendered):
    md = (rendered / "monthly-2026-10.md").read_text(encoding="utf-8")
    sec = _section(md, "Post-incident review actions")
    # After the major incidents, before the backlog.
    headings = [ln for ln in md.splitlines() if ln.startswith("## ")]
    at = [next(i for i, h in enumerate(headings) if t in h) for t in
          ("Major incidents", "Post-incident review actions", "Backlog and ageing")]
    assert at[0] + 1 == at[1] and at[1] + 1 == at[2], headings
    rows = [ln for ln in sec.splitlines() if ln.startswith("| INC")]
    action_rows = [ln for ln in rows if ln.count("|") == 7]
    overdue = ["Add a retry alert on the gateway", "Split the SIP trunks across two carriers",
               "Confirm the backup line test schedule"]
    still_open = ["Publish the outage IVR message template", "Review carrier contract penalties",
                  "Rehearse the gateway failover"]
    positions = {a: next(i for i, ln in enumerate(action_rows) if a in ln) for a in overdue + still_open}
    assert max(positions[a] for a in overdue) < min(positions[a] for a in still_open)
    # Each row names its incident, owner, due date, type and status.
    retry = action_rows[positions["Add a retry alert on the gateway"]]
    for part in ("INC100", "Billing Platform lead", "15 September 2026", "Prevent", "Open", "overdue"):
        assert part in retry, part
    assert "overdue" not in action_rows[positions["Publish the outage IVR message template"]]
    # The done action is not listed; the counts are in the lead sentence.
    assert "Rotate the gateway certificate" not in sec
    assert "7 actions" in sec and "3 were past" in sec.replace("\u00a0", " ")
    # The overdue reviews: the In Review one and the missing one, not the Closed or the not-yet-due.
    review_rows = [ln for ln in rows if ln.count("|") == 5]
    assert {ln.split("|")[1].strip() for ln in review_rows} == {"INC100", "INC300"}
    assert any("INC300" in ln and "No review on file" in ln for ln in review_rows)
    # The major-incident table still takes each review's status from its narrative.
    majors = _section(md, "Major incidents")
    assert next(ln for ln in majors.splitlines() if ln.startswith("| INC200 |")).rstrip().endswith("| Closed |")
    # Readers never see the tool's options (the provenance appendix records the command line: its purpose).
    body = re.split(r"(?m)^#+ Appendix [A-Z]: Provenance", md)[0]
    assert "--narratives" not in body and "report.narratives" not in md


def test_the_register_is_in_the_pdf_and_the_docx(rendered):
    from docx import Document as open_docx
    from pypdf import PdfReader

    pdf = " ".join((p.extract_text() or "") for p in PdfReader(rendered / "monthly-2026-10.pdf").pages)
    pdf = " ".join(pdf.split())
    cells = {c.text for t in open_docx(str(rendered / "monthly-2026-10.docx")).tables for row in t.rows
             for c in row.cells}
    assert "Post-incident review actions" in pdf
    for action in ("Add a retry alert on the gateway", "Confirm the backup line test schedule",
                   "Publish the outage IVR message template"):
        assert action in cells, action
        assert " ".join(action.split()[:4]) in pdf, action
    assert "Rotate the gateway certificate" not in cells
    assert "INC999" in cells and "No review on file" in cells


def test_no_register_no_section(story, tmp_path):
    r = run_cli("--config", story["config"], "monthly", story["export"], "--month", "2026-10", "--format", "md",
                "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Post-incident review actions" not in (tmp_path / "monthly-2026-10.md").read_text(encoding="utf-8")


def test_long_registers_are_capped_and_text_is_made_plain():
    from ccreport.document import Section, Table
    from ccreport.documents.branding import Branding
    from ccreport.documents.monthly import MonthlyOptions, build_monthly
    from ccreport.metrics.model import MetricSet

    fixture = Path(__file__).parent / "fixtures" / "metrics_full.json"
    ms = MetricSet.from_dict(json.loads(fixture.read_text(encoding="utf-8")))
    story = loads_narrative("---\nstatus: Draft\nactions:\n" + "".join(
        f"  - {{action: 'Fix **item** {k}', owner: '<b>Team</b> {k}', due: 2026-09-{k + 1:02d}}}\n"
        for k in range(20)) + "---\n")
    reg = build_register({"INC7": story}, [], None, LAST_DAY, "Europe/London")
    doc = build_monthly(ms, Branding(), MonthlyOptions(date=dt.date(2026, 11, 3), register=reg))
    sec = next(b for b in doc.walk() if isinstance(b, Section) and b.title == "Post-incident review actions")
    table = next(b for b in sec.children if isinstance(b, Table))
    assert len(table.rows) == 15 and table.more == "and 5 more actions"
    assert table.rows[0][1] == "Fix item 0" and table.rows[0][2] == "Team 0"
