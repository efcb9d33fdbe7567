"""Ingest: read export files, apply a preset or mapping, normalise to the canonical schema.

    load(paths, config, preset="auto", mapping=None, sheet=None) -> IngestResult
    load_events(path, config) -> events DataFrame (SPEC §3.3 --events)
"""

from __future__ import annotations

from .result import IngestResult

__all__ = ["IngestResult", "load", "load_events"]


def load(*args, **kwargs) -> IngestResult:  # noqa: D103 - re-exported
    from .pipeline import load as _load

    return _load(*args, **kwargs)


def load_events(*args, **kwargs):  # noqa: D103 - re-exported
    from .pipeline import load_events as _load_events

    return _load_events(*args, **kwargs)
