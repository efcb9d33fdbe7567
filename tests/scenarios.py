"""Small synthetic exports with one planted story, for the judgement tests (issue 14).

`ordinary(...)` builds months of ordinary incidents: eight areas (category = service = resolver
group) with tens of incidents each a month, varied titles and subcategories, priorities with
times to resolve that meet a 95 % SLA, a couple of major incidents a month. Each `plant_*`
function changes one thing in the last month, so a test can check that the report tells that
story (and that the ordinary export tells none). Everything is seeded: the same call gives the
same export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

AREAS = ("CRM", "Telephony", "Network", "Web chat", "Workforce management", "Email gateway",
         "Payments", "Third-party supplier")
SITES = ("Leeds", "Glasgow")
CHANNELS = ("Voice", "Chat", "Email")
VERBS = ("slow", "failing", "timing out", "not loading", "intermittent", "showing errors", "unavailable",
         "freezing", "dropping", "rejecting logins")
THINGS = ("screen", "search", "report", "dashboard", "queue", "login", "export", "sync", "upload", "module",
          "page", "form")
#: Hours to resolve: exponential means that keep ~95 % within the targets below.
MEAN_TTR = {"P1": 0.8, "P2": 2.0, "P3": 6.0, "P4": 10.0}
TARGETS = {"P1": 4, "P2": 8, "P3": 24, "P4": 40}
CONFIG = """\
organisation: {name: Scenario Contact Centre}
timezone: Europe/London
sla:
  P1: {respond: 15m, resolve: 4h, calendar: 24x7}
  P2: {respond: 30m, resolve: 8h, calendar: 24x7}
  P3: {respond: 4h, resolve: 24h, calendar: 24x7}
  P4: {respond: 8h, resolve: 40h, calendar: 24x7}
targets: {resolution_sla_pct: 95, response_sla_pct: 95, mttr_hours: 12, reopen_rate_pct: 5}
"""


@dataclass
class Scenario:
    frame: pd.DataFrame
    months: list[str]
    rng: np.random.Generator

    @property
    def last(self) -> str:
        return self.months[-1]

    def in_last(self) -> pd.Series:
        return self.frame["opened_at"].dt.strftime("%Y-%m") == self.last

    def write(self, folder: Path, extra_config: str = "") -> tuple[Path, Path]:
        """(export CSV, config YAML) in `folder`."""
        df = self.frame.copy()
        for col in ("opened_at", "acknowledged_at", "resolved_at"):
            df[col] = df[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        df["status"] = np.where(df["resolved_at"].isna(), "In Progress", "Resolved")
        path = folder / "incidents.csv"
        df.to_csv(path, index=False)
        config = folder / "ccreport.yaml"
        config.write_text(CONFIG + extra_config, encoding="utf-8")
        return path, config


def _titles(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{THINGS[a].capitalize()} {VERBS[b]} for {c} agents"
            for a, b, c in zip(rng.integers(0, len(THINGS), n), rng.integers(0, len(VERBS), n),
                               rng.choice(["some", "two", "several", "all", "one team's"], n))]


def ordinary(months: tuple[str, ...] = ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09",
                                        "2026-10"), per_area: int = 35, seed: int = 7) -> Scenario:
    """Ordinary months: nothing stands out."""
    rng = np.random.default_rng(seed)
    parts = []
    for month in months:
        start = pd.Timestamp(f"{month}-01", tz="UTC")
        days = (start + pd.offsets.MonthBegin(1) - start).days
        for area in AREAS:
            n = int(rng.poisson(per_area))
            prio = rng.choice(["P1", "P2", "P3", "P4"], n, p=[0.01, 0.09, 0.5, 0.4])
            opened = start + pd.to_timedelta(rng.uniform(0, days * 24, n), unit="h")
            ttr = np.array([rng.exponential(MEAN_TTR[p]) for p in prio]) + 0.1
            parts.append(pd.DataFrame({
                "title": _titles(rng, n), "category": area,
                "subcategory": rng.choice([f"{area} {k}" for k in ("access", "performance", "data", "config",
                                                                   "hardware", "integration")], n),
                "service": area, "site": rng.choice(SITES, n), "channel": rng.choice(CHANNELS, n),
                "assignment_group": f"{area} team", "priority": prio, "major": False,
                "opened_at": opened,
                "acknowledged_at": opened + pd.to_timedelta(rng.uniform(1, 10, n), unit="min"),
                "resolved_at": opened + pd.to_timedelta(ttr, unit="h"),
                "customers_affected": rng.integers(1, 40, n), "contacts_affected": rng.integers(0, 15, n),
            }))
        # Two ordinary major incidents a month.
        for k in range(2):
            opened = start + pd.Timedelta(days=int(rng.integers(1, days - 2)), hours=10)
            area = AREAS[int(rng.integers(0, len(AREAS)))]
            parts.append(pd.DataFrame({
                "title": [f"{area} outage for all agents"], "category": [area], "subcategory": [f"{area} outage"],
                "service": [area], "site": [SITES[k % 2]], "channel": ["Voice"], "assignment_group": [f"{area} team"],
                "priority": ["P1"], "major": [True], "opened_at": [opened],
                "acknowledged_at": [opened + pd.Timedelta(minutes=5)],
                "resolved_at": [opened + pd.Timedelta(hours=float(rng.uniform(1.5, 3.5)))],
                "customers_affected": [int(rng.integers(1500, 2500))], "contacts_affected": [int(rng.integers(500, 900))],
            }))
    frame = pd.concat(parts, ignore_index=True).sort_values("opened_at", kind="stable").reset_index(drop=True)
    frame.insert(0, "incident_id", [f"INC{100000 + i}" for i in range(len(frame))])
    return Scenario(frame, list(months), rng)


# --------------------------------------------------------------------------- planted stories


def plant_breaches(s: Scenario, area: str = "Third-party supplier", factor: float = 8.0) -> None:
    """One area's incidents of the last month take `factor` times as long: most of the
    month's SLA breaches are there."""
    rows = s.in_last() & (s.frame["category"] == area) & ~s.frame["major"]
    f = s.frame
    f.loc[rows, "resolved_at"] = f.loc[rows, "opened_at"] + (f.loc[rows, "resolved_at"] - f.loc[rows, "opened_at"]) * factor


def plant_major(s: Scenario, customers: int = 22000) -> str:
    """The last month's first major incident affects about ten times the usual customers."""
    rows = s.frame.index[s.in_last() & s.frame["major"]]
    iid = s.frame.loc[rows[0], "incident_id"]
    s.frame.loc[rows[0], ["customers_affected", "contacts_affected"]] = [customers, 9000]
    return str(iid)


def plant_volume(s: Scenario, area: str = "Payments", extra: int = 70) -> None:
    """One area logs `extra` more incidents than usual in the last month, resolved as usual."""
    f = s.frame
    start = pd.Timestamp(f"{s.last}-01", tz="UTC")
    opened = start + pd.to_timedelta(s.rng.uniform(24, 27 * 24, extra), unit="h")
    rows = pd.DataFrame({
        "incident_id": [f"INC{900000 + i}" for i in range(extra)], "title": _titles(s.rng, extra),
        "category": area, "subcategory": f"{area} data", "service": area, "site": "Leeds", "channel": "Voice",
        "assignment_group": f"{area} team", "priority": "P4", "major": False, "opened_at": opened,
        "acknowledged_at": opened + pd.Timedelta(minutes=5),
        "resolved_at": opened + pd.to_timedelta(s.rng.exponential(8.0, extra) + 0.1, unit="h"),
        "customers_affected": 5, "contacts_affected": 1,
    })
    s.frame = pd.concat([f, rows], ignore_index=True)


def plant_backlog(s: Scenario, new: int = 40, old: int = 12) -> None:
    """`new` incidents of the last month's first three weeks and `old` of two months before are
    never resolved: the backlog grows and ages."""
    f = s.frame
    months = f["opened_at"].dt.strftime("%Y-%m")
    early = f["opened_at"].dt.day <= 21
    last = f.index[(months == s.last) & early & ~f["major"]]
    before = f.index[(months == s.months[-3]) & ~f["major"]]
    chosen = list(s.rng.choice(last, new, replace=False)) + list(s.rng.choice(before, old, replace=False))
    f.loc[chosen, "resolved_at"] = pd.NaT
