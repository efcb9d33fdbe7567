"""DataQuality: what ingest found wrong or adjusted, counted over the whole input (SPEC §4)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import printable


@dataclass
class Issue:
    """One problem with one row (1-based data row of its file; None when not row-specific)."""

    row: int | None
    field: str
    problem: str
    file: str | None = None


@dataclass
class DataQuality:
    rows_read: int = 0
    incidents: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    negative_durations: int = 0
    resolved_from_closed: int = 0
    unknown_priority: int = 0
    dst_adjusted: int = 0
    unparsed_timestamps: int = 0
    #: Resolved/Closed incidents of an event log whose latest row has no resolved_at: the time
    #: of the last move into Resolved was taken from the state history.
    resolved_from_history: int = 0
    #: Done issues with no Resolved date (Jira): the `Status Category Changed` time was taken.
    resolved_from_status_category: int = 0
    issues: list[Issue] = field(default_factory=list)
    #: Values that were not understood and left empty (text in a number column, a negative
    #: count, an unknown state, two disagreeing copies of a column). Each is listed in
    #: `issues` and counts for `--strict`; it is not one of the SPEC §4 `data_quality` keys,
    #: so `to_dict()` leaves it out.
    invalid_values: int = 0

    #: Issues beyond this many are counted but not listed (a million bad rows must not
    #: make a million-line appendix).
    MAX_ISSUES = 1000

    def add(self, row: int | None, field_: str, problem: str, file: str | None = None) -> None:
        if len(self.issues) < self.MAX_ISSUES:
            # Problems quote values from the export: escape what a terminal would obey.
            self.issues.append(Issue(row, field_, printable(problem), file))

    @property
    def problems(self) -> int:
        """How many problems `--strict` fails on."""
        return (
            self.rows_rejected
            + self.duplicates
            + self.negative_durations
            + self.resolved_from_closed
            + self.resolved_from_history
            + self.resolved_from_status_category
            + self.unknown_priority
            + self.dst_adjusted
            + self.unparsed_timestamps
            + self.invalid_values
        )

    def to_dict(self) -> dict:
        """The SPEC §4 `data_quality` object (plus dst_adjusted, unparsed_timestamps,
        resolved_from_history and resolved_from_status_category)."""
        d = asdict(self)
        d.pop("invalid_values")
        d["issues"] = [
            {k: v for k, v in asdict(i).items() if k != "file" or v is not None} for i in self.issues
        ]
        return d

    def merge(self, other: "DataQuality") -> None:
        for name in (
            "rows_read", "incidents", "rows_rejected", "duplicates", "negative_durations",
            "resolved_from_closed", "unknown_priority", "dst_adjusted", "unparsed_timestamps",
            "resolved_from_history", "resolved_from_status_category", "invalid_values",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for i in other.issues:
            self.add(i.row, i.field, i.problem, i.file)
