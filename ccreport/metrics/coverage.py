"""Export coverage (SPEC §4 "Coverage"): which months an export covers, and nulling what it does not.

An export covers the calendar months (in the configured timezone) from its first record to its
last. A record's instants are its opened_at, resolved_at and closed_at: the first record is the
earliest of them over every incident (cancelled ones too), the last the latest, so an export
whose newest activity is a resolution or closure on 3 November covers November. A period or
trend month wholly outside those months is *not covered*: every figure of it is None (counts
too) and it is marked so. The nulling is registry-driven: a not-covered `Figures` is
`Figures()`, every field None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: The timestamps that make an incident a record of its month.
RECORD_TIMES = ("opened_at", "resolved_at", "closed_at")


@dataclass
class Coverage:
    """The export's first and last record (ISO 8601 in the configured timezone; None for an
    export with no timestamps at all, which covers nothing) and their months (YYYY-MM)."""

    first_record: str | None = None
    last_record: str | None = None
    first_month: str | None = None
    last_month: str | None = None

    def covers_months(self, first: str, last: str) -> bool:
        """Whether any month from `first` to `last` (YYYY-MM, inclusive) is covered."""
        if self.first_month is None or self.last_month is None:
            return False
        return not (last < self.first_month or first > self.last_month)

    def covers_month(self, month: str) -> bool:
        return self.covers_months(month, month)

    def covers_period(self, period: Any) -> bool:
        """Whether the period overlaps a covered month (not *wholly* outside coverage)."""
        return self.covers_months(f"{period.first_day:%Y-%m}", f"{period.last_day:%Y-%m}")

    def ends_inside(self, period: Any) -> bool:
        """Whether the last record falls inside the period before its last day (the period
        has data only up to that day)."""
        if self.last_record is None:
            return False
        last = pd.Timestamp(self.last_record)
        return period.start <= last < period.end and last.date() < period.last_day

    def to_dict(self) -> dict[str, Any]:
        return {"first_record": self.first_record, "last_record": self.last_record,
                "first_month": self.first_month, "last_month": self.last_month}


def export_coverage(incidents: pd.DataFrame, timezone: str) -> Coverage:
    """The coverage of the whole export (column-wise min and max: no per-row Python)."""
    lows, highs = [], []
    for name in RECORD_TIMES:
        if name in incidents.columns:
            col = incidents[name]
            if pd.api.types.is_datetime64_any_dtype(col.dtype):
                # argmin / argmax on the int64 ticks (NaT is the int64 minimum), then the
                # values themselves: what col.min() and col.max() give, in one numpy pass each.
                ticks = col.array.asi8
                valid = ticks != np.iinfo(np.int64).min
                if valid.any():
                    lows.append(col.iloc[int(np.argmin(np.where(valid, ticks, np.iinfo(np.int64).max)))])
                    highs.append(col.iloc[int(np.argmax(ticks))])
            elif col.notna().any():
                lows.append(col.min())
                highs.append(col.max())
    if not lows:
        return Coverage()
    first = min(lows).tz_convert(timezone)
    last = max(highs).tz_convert(timezone)
    return Coverage(first.isoformat(), last.isoformat(), f"{first:%Y-%m}", f"{last:%Y-%m}")
