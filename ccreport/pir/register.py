"""The PIR action register (SPEC §5.1): every review narrative in a folder, as one typed list.

    read_narratives(folder) -> {incident_id: Narrative}     every DIR/*.md, validated
    build_register(narratives, majors, incidents, last_day, timezone, working_days) -> Register
    load_register(folder, ...) -> Register                   the two together

A narrative is `DIR/<incident id>.md` or `DIR/pir-<incident id>.md` (the file `ccreport pir
--narrative` takes). The register holds one `Review` per narrative, plus one per major incident
of the period resolved without a narrative on file (status None: "no review on file"), and one
`ActionItem` per action of every narrative.

Due dates and "overdue" are judged at the end of the period (`last_day`, the period's last
local day):

- A review is due `report.review_working_days` working days after the incident's resolution:
  the period's major incidents carry it already (`MajorIncident.review_due`); a review of an
  incident from an earlier month gets the same from its `resolved_at` in the export, through
  the same function (`metrics.lists.review_due_dates`). A review is overdue when it is due on or
  before `last_day` and its status is not Reviewed or Closed (`DONE_REVIEWS`, as the
  overdue-review finding judges it). An incident the export does not have, or that is not
  resolved, has no due date and is never overdue.
- An action is done when its status is "done" (`DONE_ACTIONS`); the narrative reads its status
  case-insensitively and takes "Closed", "Complete" and "Completed" as done too
  (`pir.narrative.ACTION_STATUS_ALIASES`). An action not done is overdue when its due date is
  before `last_day` (as `ccreport pir` judges an action on a given day: due before that day), so
  it is "overdue by N days" on `last_day` with N ≥ 1. An action without a due date is never
  overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..errors import ConfigError
from .narrative import Narrative, load_narrative

if TYPE_CHECKING:
    import pandas as pd

    from ..metrics.model import MajorIncident

#: Review statuses that mean the review is finished (not overdue whatever its due date).
DONE_REVIEWS = frozenset({"Reviewed", "Closed"})
#: Action statuses (as the narrative normalises them) that mean the action is finished.
DONE_ACTIONS = frozenset({"done"})


@dataclass(frozen=True)
class ActionItem:
    """One action of one review. `action` and `owner` are the reviewer's text (untrusted)."""

    incident_id: str
    action: str
    owner: str | None
    due: dt.date | None
    type: str | None  # mitigate, prevent, process, other (None: not given)
    status: str  # open, in progress, done
    overdue: bool

    @property
    def done(self) -> bool:
        return self.status in DONE_ACTIONS

    def to_dict(self) -> dict[str, Any]:
        return {"incident_id": self.incident_id, "action": self.action, "owner": self.owner,
                "due": self.due.isoformat() if self.due else None, "type": self.type,
                "status": self.status, "overdue": self.overdue}


@dataclass(frozen=True)
class Review:
    """One incident's post-incident review. `status` None: no narrative on file."""

    incident_id: str
    status: str | None
    owner: str | None
    due: dt.date | None
    overdue: bool
    actions: tuple[ActionItem, ...] = ()

    @property
    def on_file(self) -> bool:
        return self.status is not None

    def to_dict(self) -> dict[str, Any]:
        return {"incident_id": self.incident_id, "status": self.status, "owner": self.owner,
                "due": self.due.isoformat() if self.due else None, "overdue": self.overdue,
                "actions_total": len(self.actions), "actions_open": sum(1 for a in self.actions if not a.done),
                "actions_overdue": sum(1 for a in self.actions if a.overdue)}


@dataclass(frozen=True)
class Register:
    """Every review and action, judged at the end of `last_day`."""

    reviews: tuple[Review, ...]
    last_day: dt.date

    @property
    def actions(self) -> list[ActionItem]:
        """Every action, review by review, in each narrative's order."""
        return [a for r in self.reviews for a in r.actions]

    @property
    def open_actions(self) -> list[ActionItem]:
        """The actions not done (overdue ones included)."""
        return [a for a in self.actions if not a.done]

    @property
    def overdue_actions(self) -> list[ActionItem]:
        return [a for a in self.actions if a.overdue]

    @property
    def overdue_reviews(self) -> list[Review]:
        return [r for r in self.reviews if r.overdue]

    def statuses(self) -> dict[str, str]:
        """incident_id -> review status, for the reviews on file (the major-incident table's
        PIR status and the overdue-review finding read this)."""
        return {r.incident_id: r.status for r in self.reviews if r.status is not None}

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """`reviews` and `actions` of the full metrics JSON (docs/metrics.md)."""
        return {"reviews": [r.to_dict() for r in self.reviews], "actions": [a.to_dict() for a in self.actions]}


# --------------------------------------------------------------------------- reading


def incident_id_of(path: Path) -> str:
    """The incident a narrative file describes: its stem, without a leading "pir-"."""
    stem = path.stem
    return stem[4:] if stem.lower().startswith("pir-") else stem


def read_narratives(folder: str | Path, what: str = "--narratives") -> dict[str, Narrative]:
    """Every `folder/*.md` narrative by incident ID, in file-name order. A file that is not a
    valid narrative is a ConfigError naming it (and its line); `what` names the setting in
    the error for a folder that does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: {what} needs a folder of PIR narratives (*.md).")
    return {incident_id_of(path): load_narrative(path) for path in sorted(folder.glob("*.md"))}


# --------------------------------------------------------------------------- judging


def _date(iso: str | None) -> dt.date | None:
    return dt.date.fromisoformat(iso[:10]) if iso else None


def _export_due(incidents: "pd.DataFrame | None", ids: list[str], timezone: str,
                working_days: int) -> dict[str, dt.date | None]:
    """Review due dates from the export's `resolved_at` for the incidents `ids` the export has
    (one vectorised pass; None while unresolved; incidents the export lacks are left out)."""
    if incidents is None or not ids or "incident_id" not in incidents:
        return {}
    from ..metrics.lists import review_due_dates

    keys = incidents["incident_id"].astype("str")
    rows = incidents.loc[keys.isin(ids).to_numpy()]
    rows = rows.assign(incident_id=rows["incident_id"].astype("str")).drop_duplicates("incident_id", keep="last")
    if "resolved_at" not in rows:
        return {i: None for i in rows["incident_id"].tolist()}
    due = review_due_dates(rows["resolved_at"], timezone, working_days)
    return {i: _date(d) for i, d in zip(rows["incident_id"].tolist(), due)}


def build_register(narratives: Mapping[str, Narrative], majors: Iterable["MajorIncident"],
                   incidents: "pd.DataFrame | None", last_day: dt.date, timezone: str,
                   working_days: int = 5, only_in_export: bool = False) -> Register:
    """The register at the end of `last_day`. `majors`: the period's major incidents (their
    `review_due` is used as it is); `incidents`: the export's canonical frame, for the due dates
    of reviews of other incidents. `only_in_export`: leave out narratives of incidents the
    export does not have (a `--split-by` group's report lists its own group's reviews)."""
    majors = list(majors)
    major_due = {str(mi.incident_id): _date(mi.review_due) for mi in majors}
    others = [i for i in narratives if i not in major_due]
    export_due = _export_due(incidents, others, timezone, working_days)
    known = set(major_due) | set(export_due)  # the incidents the export has
    reviews: list[Review] = []
    for incident_id, n in narratives.items():
        if only_in_export and incident_id not in known:
            continue
        due = major_due[incident_id] if incident_id in major_due else export_due.get(incident_id)
        overdue = due is not None and due <= last_day and n.status not in DONE_REVIEWS
        actions = tuple(
            ActionItem(incident_id=incident_id, action=a.action, owner=a.owner, due=a.due, type=a.type,
                       status=a.status, overdue=a.status not in DONE_ACTIONS and a.due is not None and a.due < last_day)
            for a in n.actions)
        reviews.append(Review(incident_id, n.status, n.owner, due, overdue, actions))
    # A resolved major incident of the period with no narrative: its review is missing.
    for mi in majors:
        incident_id = str(mi.incident_id)
        if incident_id in narratives or not mi.resolved_at:
            continue
        due = major_due[incident_id]
        reviews.append(Review(incident_id, None, None, due, due is not None and due <= last_day))
    return Register(tuple(reviews), last_day)


def load_register(folder: str | Path, majors: Iterable["MajorIncident"] = (), incidents: "pd.DataFrame | None" = None,
                  *, last_day: dt.date, timezone: str = "UTC", working_days: int = 5,
                  only_in_export: bool = False) -> Register:
    """read_narratives then build_register."""
    return build_register(read_narratives(folder), majors, incidents, last_day, timezone, working_days,
                          only_in_export)
