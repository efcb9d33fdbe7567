"""IngestResult: everything ingest hands to the metrics layer."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .frame import coerce, empty_events, empty_pauses
from .quality import DataQuality


@dataclass
class IngestResult:
    #: One row per incident, canonical columns and dtypes (see ingest/frame.py).
    incidents: pd.DataFrame
    #: Timeline events: incident_id, timestamp (UTC), type, text, author, audience. From
    #: event-log/history exports (type "state", text = canonical status) and from --events.
    events: pd.DataFrame = field(default_factory=empty_events)
    #: Intervals an incident spent in a pause state: incident_id, start, end (UTC).
    pauses: pd.DataFrame = field(default_factory=empty_pauses)
    quality: DataQuality = field(default_factory=DataQuality)
    #: The preset used ("servicenow", "jira", ..., "mapping" for --mapping files).
    preset: str = "canonical"
    #: Canonical fields the source actually provided. A metric whose source field is not here
    #: is null ("not in this export"), never 0.
    fields: frozenset[str] = frozenset()
    #: Whether pause intervals are known (history/event-log input or --events state rows).
    pauses_known: bool = False
    #: Custom fields from the mapping file (`extra:`): columns of `incidents` beside the
    #: canonical ones, grouping dimensions like schema.DIMENSIONS.
    extras: tuple[str, ...] = ()
    #: `--where` conditions applied (ingest/scope.py): ((field, (value, ...)), ...), the
    #: values as the export spells them; empty for the whole export.
    scope: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: With a scope: the export's incidents before it, whose records decide which months the
    #: export covers (a quiet region's month is zero incidents, not a gap in the data).
    unscoped: pd.DataFrame | None = None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The fields incidents can be grouped and filtered by: the canonical dimensions, then
        the custom fields."""
        from ..schema import DIMENSIONS

        return (*DIMENSIONS, *self.extras)
    #: (file as given, rows read from it) for each incident export, in order (provenance).
    sources: tuple[tuple[str, int], ...] = ()

    @classmethod
    def from_records(cls, records: list[dict], **kwargs) -> "IngestResult":
        """For tests: a result from canonical records; `fields` = the keys used."""
        frame = coerce(pd.DataFrame(records))
        keys = frozenset(k for r in records for k in r)
        kwargs.setdefault("fields", keys)
        q = kwargs.pop("quality", None) or DataQuality(rows_read=len(records), incidents=len(records))
        return cls(incidents=frame, quality=q, **kwargs)
