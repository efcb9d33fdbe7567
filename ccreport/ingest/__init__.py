"""Ingest: read export files, apply a preset or mapping, normalise to the canonical schema.

    load(paths, config, preset="auto", mapping=None, sheet=None) -> IngestResult
    load_events(path, config) -> events DataFrame (SPEC §3.3 --events)
    load_contacts(path, config) -> contacts DataFrame (SPEC §3.3 --contacts)

Importing the package is cheap (no pandas): the command line reads the preset registry
(`ingest.presets`) to build its choices before anything is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .result import IngestResult

__all__ = ["IngestResult", "load", "load_contacts", "load_events"]


def load(*args, **kwargs) -> IngestResult:  # noqa: D103 - re-exported
    from .pipeline import load as _load

    return _load(*args, **kwargs)


def load_events(*args, **kwargs):  # noqa: D103 - re-exported
    from .pipeline import load_events as _load_events

    return _load_events(*args, **kwargs)


def load_contacts(*args, **kwargs):  # noqa: D103 - re-exported
    from .contacts import load_contacts as _load_contacts

    return _load_contacts(*args, **kwargs)


def __getattr__(name: str) -> Any:
    # IngestResult holds pandas frames: imported on first use, not with the package.
    if name == "IngestResult":
        from .result import IngestResult

        return IngestResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
