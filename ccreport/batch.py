"""`monthly --split-by`: splitting the ingest result (and the contact data) by group and running
the per-group step in parallel processes.

Workers are started with the "spawn" method: forking a process after pyarrow has started its
thread pool is unsafe. Each worker runs the application's per-group monthly step
(`ccreport.app.monthly_group`: compute the group's metrics, build, write); the parent only
ingests once and collects file paths. This module does not import the application layer: the
step is passed in, so there is no import circle.
"""

from __future__ import annotations

import hashlib
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable


from .errors import UsageError
from .schema import DIMENSIONS, NOT_RECORDED


def group_slug(group: str) -> str:
    """A file-name part for a group; a short hash keeps distinct names from colliding once
    sanitised (e.g. "Leeds/1" and "Leeds 1")."""
    from .render.files import safe_basename

    safe = safe_basename(group, max_len=60)
    if safe != group:
        safe = f"{safe}-{hashlib.sha1(group.encode()).hexdigest()[:6]}"
    return safe


def split_ingest(ingest: Any, dimension: str) -> dict[str, Any]:
    """The IngestResult of each group; incidents without a value go to "Not recorded"."""
    extras = tuple(getattr(ingest, "extras", ()))
    if dimension not in DIMENSIONS and dimension not in extras:
        raise UsageError(f"--split-by {dimension!r}: use one of {', '.join((*DIMENSIONS, *extras))}.")
    if dimension not in ingest.fields and dimension not in extras:
        raise UsageError(f"--split-by {dimension}: the export has no {dimension} column.")
    keys = ingest.incidents[dimension].astype("object").fillna(NOT_RECORDED).astype(str)
    out = {}
    for group in sorted(keys.unique()):
        mask = (keys == group).to_numpy()
        ids = set(ingest.incidents.loc[mask, "incident_id"])
        out[group] = replace(
            ingest,
            incidents=ingest.incidents[mask].reset_index(drop=True),
            events=ingest.events[ingest.events["incident_id"].isin(ids)].reset_index(drop=True),
            pauses=ingest.pauses[ingest.pauses["incident_id"].isin(ids)].reset_index(drop=True),
            unscoped=None,  # the workers are given the export's coverage
        )
    return out


def group_contacts(contacts: Any, dimension: str, group: str) -> Any:
    """The contact data a group's report shows. For `--split-by site`, when the data has a site
    column: that site's intervals (its name matched ignoring case and surrounding spaces), with
    `attrs["site"]` naming the site, so the report can say whose figures they are. Otherwise
    (no site column, another dimension, no contact data) the whole centre's data, unchanged."""
    if contacts is None or dimension != "site" or "site" not in contacts.columns:
        return contacts
    names = contacts["site"].astype("str").str.strip().str.casefold()
    part = contacts[(names == group.strip().casefold()).to_numpy()].reset_index(drop=True)
    part.attrs = {**contacts.attrs, "site": group}
    return part


def run_jobs(jobs: list[Any], workers: int, progress: bool,
             worker: Callable[[Any], tuple[str, list[Path], dict]]) -> dict[str, tuple[list[Path], dict]]:
    """Run `worker` on every group's job, in `workers` processes (1 = in this process).

    `worker` is the application's per-group step (`ccreport.app.monthly_group`): a module-level
    function, so a spawned process can import it by name. It returns (group, paths, summary).
    """
    results: dict[str, tuple[list[Path], dict]] = {}
    bar_ctx = _progress(len(jobs), progress)
    with bar_ctx as bar:
        if workers <= 1:
            for job in jobs:
                group, paths, summary = worker(job)
                results[group] = (paths, summary)
                bar(1)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(worker, job) for job in jobs]
                for fut in as_completed(futures):
                    group, paths, summary = fut.result()
                    results[group] = (paths, summary)
                    bar(1)
    return results


class _NoBar:
    def __enter__(self) -> Callable[[int], None]:
        return lambda n: None

    def __exit__(self, *exc: object) -> None:
        return None


class _ClickBar:
    def __init__(self, total: int) -> None:
        import click

        self._bar = click.progressbar(length=total, label="Rendering groups", file=sys.stderr)

    def __enter__(self) -> Callable[[int], None]:
        b = self._bar.__enter__()
        return b.update

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)


def _progress(total: int, enabled: bool):
    """A progress bar on a terminal; none in a pipe, a cron job or with --quiet."""
    return _ClickBar(total) if enabled and sys.stderr.isatty() else _NoBar()
