"""Contact-centre targets and contact data per site (issue 15, items 3 and 4; SPEC §3.3, §5.1).

A small planted export: two sites (Leeds answers 90 % of its contacts within the threshold,
Glasgow 70 %), one major incident at each site during which that site's service level drops.
The figures a report shows are checked against a hand computation over the interval rows
(plain loops, the reference), and their RAG status against the rule written out here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ccreport.config import Config, load_config
from ccreport.errors import ConfigError, IngestError
from ccreport.ingest.contacts import load_contacts

from .util import run_cli

pytestmark = pytest.mark.usefixtures("isolated")

CONFIG = """\
timezone: Europe/London
sla:
  P1: {respond: 15m, resolve: 4h}
  P2: {respond: 30m, resolve: 8h}
  P3: {respond: 4h, resolve: 24h}
  P4: {respond: 8h, resolve: 40h}
contacts: {sl_threshold_seconds: 20}
"""
TARGETS = "targets: {service_level_pct: 80, abandonment_pct: 5, aht_seconds: 360}\n"
MAJORS = {"Leeds": ("INC9001", "2026-10-20T10:00:00Z", "2026-10-20T12:00:00Z"),
          "Glasgow": ("INC9002", "2026-10-21T14:00:00Z", "2026-10-21T16:00:00Z")}
SYMBOL = {"Green": "✔", "Amber": "▲", "Red": "✖"}


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rows() -> list[dict]:
    """Interval rows per site and channel: 30 minutes, 08:00-18:00 UTC, September and October."""
    rows = []
    day = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
    i = 0
    while day.month in (9, 10):
        for half in range(20):
            start = day + dt.timedelta(hours=8, minutes=30 * half)
            for site in ("Leeds", "Glasgow"):
                _, s, e = MAJORS[site]
                during = _utc(s) <= start < _utc(e)
                for channel in ("Voice", "Chat"):
                    i += 1
                    offered = (40 + i % 7) if site == "Leeds" else (30 + i % 5)
                    abandoned = (15 if during else 1) if site == "Leeds" else (12 if during else 3)
                    answered = offered - abandoned
                    share = (0.3 if during else 0.9) if site == "Leeds" else (0.2 if during else 0.7)
                    rows.append({"interval_start": start, "channel": channel, "site": site, "offered": offered,
                                 "answered": answered, "abandoned": abandoned,
                                 "answered_in_sl": round(share * answered),
                                 "handle_seconds": answered * (300 if site == "Leeds" else 420)})
        day += dt.timedelta(days=1)
    return rows


def _write_contacts(path: Path, rows: list[dict], with_site: bool) -> Path:
    counts = ("offered", "answered", "abandoned", "answered_in_sl", "handle_seconds")
    if not with_site:  # the whole centre per interval and channel: the sites summed
        pooled: dict[tuple, dict] = {}
        for r in rows:
            key = (r["interval_start"], r["channel"])
            into = pooled.setdefault(key, {"interval_start": key[0], "channel": key[1], **{c: 0 for c in counts}})
            for c in counts:
                into[c] += r[c]
        rows = list(pooled.values())
    head = ["interval_start", "channel", *(["site"] if with_site else []), *counts]
    lines = [",".join(head)]
    for r in rows:
        lines.append(",".join(r["interval_start"].strftime("%Y-%m-%dT%H:%M:%SZ") if h == "interval_start"
                              else str(r[h]) for h in head))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_incidents(path: Path) -> Path:
    head = "incident_id,title,category,service,site,channel,assignment_group,priority,status,major,opened_at," \
           "acknowledged_at,resolved_at"
    lines = [head]
    n = 0
    for month, days in (("2026-09", 30), ("2026-10", 31)):
        for d in range(1, days + 1, 2):
            for site in ("Leeds", "Glasgow"):
                n += 1
                opened = f"{month}-{d:02d}T09:{n % 60:02d}:00Z"
                lines.append(f"INC{1000 + n},Login slow,CRM,CRM,{site},Voice,CRM team,P3,Resolved,false,"
                             f"{opened},{opened.replace('T09', 'T10')},{opened.replace('T09', 'T15')}")
    for site, (iid, s, e) in MAJORS.items():
        lines.append(f"{iid},Telephony outage at {site},Telephony,Telephony,{site},Voice,Telephony team,P1,"
                     f"Resolved,true,{s},{s},{e}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the reference


def _hand(rows: list[dict], site: str | None = None, start: str | None = None, end: str | None = None) -> dict:
    """Pooled figures over October's rows (or the intervals overlapping [start, end)), of one
    site or all: plain sums, then one division each."""
    if start is None:
        chosen = [r for r in rows if r["interval_start"].month == 10]
    else:
        s, e = _utc(start), _utc(end)
        chosen = [r for r in rows if r["interval_start"] < e and r["interval_start"] + dt.timedelta(minutes=30) > s]
    chosen = [r for r in chosen if site is None or r["site"] == site]
    tot = {c: sum(r[c] for r in chosen) for c in ("offered", "answered", "abandoned", "answered_in_sl",
                                                 "handle_seconds")}
    return {"offered": tot["offered"], "sl": 100 * tot["answered_in_sl"] / tot["offered"],
            "abandonment": 100 * tot["abandoned"] / tot["offered"],
            "aht": tot["handle_seconds"] / tot["answered"]}


def _rag(value: float, target: float, higher_is_better: bool) -> str:
    if (value >= target) if higher_is_better else (value <= target):
        return "Green"
    within = value >= 0.9 * target if higher_is_better else value <= 1.1 * target
    return "Amber" if within else "Red"


# --------------------------------------------------------------------------- reading reports back


def _norm(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _table(md: str, caption: str) -> tuple[list[str], dict[str, list[str]]]:
    """(headers, {first cell: cells}) of the Markdown table whose caption starts with `caption`."""
    md = _norm(md)
    at = md.index(f".** {caption}")
    lines = [ln for ln in md[at:].split("\n")[1:] if ln.strip()]
    table = []
    for ln in lines:
        if not ln.startswith("|"):
            if table:
                break
            continue
        table.append([c.strip().strip("*").strip() for c in ln.strip("|").split("|")])
    head, body = table[0], table[2:]
    return head, {r[0]: r for r in body}


def _contact_section(md: str) -> str:
    """The report's contact-centre subsection (up to the next section)."""
    at = md.index("Contact-centre performance during incidents")
    return md[at:md.index("\n## ", at)]


def _cell(head: list[str], row: list[str], starts: str) -> str:
    return row[next(i for i, h in enumerate(head) if h.startswith(starts))]


def _pct(cell: str) -> float:
    return float(re.match(r"([\d.]+) %", cell).group(1))


def _seconds(cell: str) -> int:
    m = re.match(r"(\d+) min (\d+) s", cell)
    return int(m.group(1)) * 60 + int(m.group(2))


def _pdf_text(path: Path) -> str:
    return _norm("\n".join(page.extract_text() or "" for page in PdfReader(path).pages))


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("contacts")
    rows = _rows()
    return {"folder": folder, "rows": rows, "incidents": _write_incidents(folder / "incidents.csv"),
            "by_site": _write_contacts(folder / "contacts-sites.csv", rows, with_site=True),
            "centre": _write_contacts(folder / "contacts-centre.csv", rows, with_site=False)}


def _monthly(data: dict, out: Path, contacts: Path, *extra: str, targets: bool = True, formats: str = "md") -> Path:
    config = out / "ccreport.yaml"
    out.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG + (TARGETS if targets else ""), encoding="utf-8")
    r = run_cli("--config", config, "monthly", data["incidents"], "--contacts", contacts, "--month", "2026-10",
                "--format", formats, "--out", out, *extra)
    assert r.returncode == 0, r.stderr
    return out


# --------------------------------------------------------------------------- item 3: targets


def test_contact_targets_are_config_keys():
    config = Config.model_validate({"targets": {"service_level_pct": 80, "abandonment_pct": 5,
                                                                   "aht_seconds": 360}})
    assert (config.targets.service_level_pct, config.targets.abandonment_pct, config.targets.aht_seconds) == \
        (80.0, 5.0, 360.0)
    assert config.contacts.sl_threshold_seconds == 20  # the threshold stays under contacts
    default = load_config(None, env={})
    assert default.targets.service_level_pct is None  # no target unless configured: no status


@pytest.mark.parametrize("line,key", [
    ("service_level: 80", "targets.service_level: unknown key"),
    ("sl_threshold_seconds: 20", "targets.sl_threshold_seconds: unknown key"),
    ("service_level_pct: 120", "targets.service_level_pct"),
    ("abandonment_pct: -1", "targets.abandonment_pct"),
    ("aht_seconds: 0", "targets.aht_seconds"),
    ("aht_seconds: six minutes", "targets.aht_seconds"),
])
def test_a_bad_contact_target_names_the_key_and_the_file(tmp_path, line, key):
    p = tmp_path / "c.yaml"
    p.write_text(f"targets:\n  resolution_sla_pct: 95\n  {line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(p, env={})
    assert str(p) in str(err.value) and "line 3" in str(err.value) and key in str(err.value)


def test_month_and_incident_figures_carry_their_status_in_markdown_and_pdf(data, tmp_path):
    out = _monthly(data, tmp_path / "out", data["centre"], formats="md,pdf")
    md = (out / "monthly-2026-10.md").read_text(encoding="utf-8")
    month = _hand(data["rows"])
    # The planted story: the month misses 80 % by less than a tenth (Amber); abandonment is
    # above 5 %; handle time is within 6 min.
    assert 72 <= month["sl"] < 80 and month["abandonment"] > 5 and month["aht"] <= 360
    head, rows = _table(md, "Contact-centre performance")
    assert any("80 % in 20 s" in h for h in head)  # the target beside the figures, with its threshold
    total = rows["All channels"]
    assert int(_cell(head, total, "Offered").replace(",", "")) == month["offered"]
    for starts, value, target, better in (("Service level", month["sl"], 80, True),
                                          ("Abandonment", month["abandonment"], 5, False),
                                          ("AHT", month["aht"], 360, False)):
        cell = _cell(head, total, starts)
        shown = _seconds(cell) if starts == "AHT" else _pct(cell)
        assert shown == pytest.approx(value, abs=0.05 if starts != "AHT" else 0.5)
        assert cell.endswith(SYMBOL[_rag(value, target, better)]), (starts, cell)
    assert _cell(head, total, "Service level").endswith(SYMBOL["Amber"])

    head, rows = _table(md, "Service level, abandonment and handle time during major incidents")
    for site, (iid, s, e) in MAJORS.items():
        during = _hand(data["rows"], None, s, e)
        sl = _cell(head, rows[iid], "SL during")
        assert _pct(sl) == pytest.approx(during["sl"], abs=0.05)
        assert sl.endswith(SYMBOL[_rag(during["sl"], 80, True)]) and sl.endswith(SYMBOL["Red"])
        ab = _cell(head, rows[iid], "Abandoned during")
        assert ab.endswith(SYMBOL[_rag(during["abandonment"], 5, False)])
        assert not _cell(head, rows[iid], "SL baseline").endswith(tuple(SYMBOL.values()))

    text = _pdf_text(out / "monthly-2026-10.pdf")
    assert "80 % in 20 s" in text
    assert f"{month['sl']:.1f} % {SYMBOL['Amber']}" in text
    for iid, s, e in MAJORS.values():
        during = _hand(data["rows"], None, s, e)
        assert re.search(rf"{iid}\s+{during['sl']:.1f} % {SYMBOL['Red']}", text), iid
    # In words too, not colour or symbol alone.
    assert re.search(rf"{month['sl']:.1f} %[^.]*80 % in 20 s[^.]*Amber", text.replace("\n", " "))


def test_without_contact_targets_there_is_no_status(data, tmp_path):
    out = _monthly(data, tmp_path / "out", data["centre"], targets=False)
    md = (out / "monthly-2026-10.md").read_text(encoding="utf-8")
    head, rows = _table(md, "Contact-centre performance")
    assert head[4] == "Service level" and not any("target" in h for h in head)
    assert not any(c.endswith(tuple(SYMBOL.values())) for c in rows["All channels"])


# --------------------------------------------------------------------------- item 4: per site


def test_split_by_site_shows_each_sites_own_contact_figures(data, tmp_path):
    out = _monthly(data, tmp_path / "out", data["by_site"], "--split-by", "site")
    shown = {}
    for site in ("Leeds", "Glasgow"):
        md = (out / f"monthly-2026-10-{site}.md").read_text(encoding="utf-8")
        assert "whole centre" not in _contact_section(md).lower()
        assert f"{site} site only" in _contact_section(md)
        own = _hand(data["rows"], site)
        head, rows = _table(md, f"Contact-centre performance, {site}")
        total = rows["All channels"]
        assert int(_cell(head, total, "Offered").replace(",", "")) == own["offered"]
        assert _pct(_cell(head, total, "Service level")) == pytest.approx(own["sl"], abs=0.05)
        assert _pct(_cell(head, total, "Abandonment")) == pytest.approx(own["abandonment"], abs=0.05)
        assert _seconds(_cell(head, total, "AHT")) == pytest.approx(own["aht"], abs=0.5)
        shown[site] = own["sl"]
        # The site's major incident, measured on the site's own intervals.
        iid, s, e = MAJORS[site]
        head, rows = _table(md, "Service level, abandonment and handle time during major incidents")
        assert list(rows) == [iid]
        assert _pct(_cell(head, rows[iid], "SL during")) == pytest.approx(_hand(data["rows"], site, s, e)["sl"],
                                                                          abs=0.05)
    assert abs(shown["Leeds"] - shown["Glasgow"]) > 10  # the sites really differ
    # The centre's own report pools both sites.
    md = (out / "monthly-2026-10.md").read_text(encoding="utf-8")
    head, rows = _table(md, "Contact-centre performance")
    assert int(_cell(head, rows["All channels"], "Offered").replace(",", "")) == _hand(data["rows"])["offered"]


def test_split_by_site_without_a_site_column_says_whole_centre(data, tmp_path):
    out = _monthly(data, tmp_path / "out", data["centre"], "--split-by", "site")
    centre = _hand(data["rows"])
    for site in ("Leeds", "Glasgow"):
        md = (out / f"monthly-2026-10-{site}.md").read_text(encoding="utf-8")
        assert "whole centre" in _contact_section(md).lower()
        head, rows = _table(md, "Contact-centre performance, whole centre")
        assert int(_cell(head, rows["All channels"], "Offered").replace(",", "")) == centre["offered"]
    assert "whole centre" not in _contact_section((out / "monthly-2026-10.md").read_text(encoding="utf-8")).lower()


def test_split_by_another_dimension_says_whole_centre(data, tmp_path):
    out = _monthly(data, tmp_path / "out", data["by_site"], "--split-by", "category")
    md = (out / "monthly-2026-10-Telephony.md").read_text(encoding="utf-8")
    head, rows = _table(md, "Contact-centre performance, whole centre")
    assert int(_cell(head, rows["All channels"], "Offered").replace(",", "")) == _hand(data["rows"])["offered"]


def test_metrics_json_has_contacts_per_site(data):
    import json

    config = data["folder"] / "json.yaml"
    config.write_text(CONFIG + TARGETS, encoding="utf-8")
    r = run_cli("--config", config, "metrics", data["incidents"], "--contacts", data["by_site"], "--month",
                "2026-10", "--format", "json", "--full")
    assert r.returncode == 0, r.stderr
    contacts = json.loads(r.stdout)["contacts"]
    assert contacts["sl_threshold_seconds"] == 20 and contacts["site"] is None
    for site in ("Leeds", "Glasgow"):
        assert contacts["by_site"][site]["offered"] == _hand(data["rows"], site)["offered"]
        assert contacts["by_site"][site]["service_level_pct"] == pytest.approx(_hand(data["rows"], site)["sl"])
    assert contacts["by_queue"] == {}
    assert json.loads(r.stdout)["targets"]["service_level_pct"] == 80


# --------------------------------------------------------------------------- the loader


def test_site_and_queue_columns_are_read(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("interval_start,channel,site,queue,offered,answered,abandoned,answered_in_sl,handle_seconds\n"
                 "2026-10-05T08:00:00Z,Voice,Leeds,Billing,10,9,1,8,900\n"
                 "2026-10-05T08:00:00Z,Voice,Leeds,Sales,5,5,0,5,500\n"
                 "2026-10-05T08:00:00Z,Voice,,Billing,4,4,0,4,400\n"
                 "2026-10-05T08:30:00Z,Voice,Leeds,Billing,10,9,1,8,900\n", encoding="utf-8")
    frame = load_contacts(p, load_config(None, env={}))
    assert list(frame.columns[:4]) == ["interval_start", "channel", "site", "queue"]
    assert sorted(frame["site"].astype(str).unique()) == ["Leeds", "Not recorded"]
    assert frame.attrs["interval"].total_seconds() == 1800  # per site and queue, not 0


def test_a_repeated_interval_of_one_site_is_an_error_naming_the_row(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("interval_start,channel,site,offered,answered,abandoned,answered_in_sl,handle_seconds\n"
                 "2026-10-05T08:00:00Z,Voice,Leeds,10,9,1,8,900\n"
                 "2026-10-05T08:00:00Z,Voice,Glasgow,10,9,1,8,900\n"
                 "2026-10-05T08:00:00Z,Voice,Leeds,10,9,1,8,900\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"row 4, column interval_start: .*Leeds.* appears twice"):
        load_contacts(p, load_config(None, env={}))
