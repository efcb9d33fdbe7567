"""`monthly --split-by`: splitting the ingest result (and the contact data) by group and running
the per-group step in parallel processes.

The pool: forking the parent after pyarrow has started its thread pool is unsafe, so workers
come from a *forkserver* (a fresh process started by `start_pool` as soon as the command knows
it will need one, so it overlaps the parent's ingest) that has already imported the rendering
stack (`PRELOAD`: the application, the document builders, the renderers, WeasyPrint,
matplotlib); each worker is a fork of it, starts in milliseconds and stays for all the groups.
Where forkserver does not exist (Windows) the workers are spawned. The overview report is one
job in the same pool (`lead`), so it renders alongside the groups instead of before them, and
the parent never imports the rendering stack. With fewer than two documents to write, or
`--jobs 1`, everything runs in this process (`effective_workers`).

Each worker runs the application's per-group monthly step (`ccreport.app.monthly_group`:
compute the group's metrics, build, write). This module does not import the application
layer: the step is passed in, so there is no import circle.
"""

from __future__ import annotations

import hashlib
import sys
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
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


#: What a forkserver imports once before forking workers: everything a group's report needs.
PRELOAD = (
    "ccreport.app", "ccreport.metrics.engine", "ccreport.findings.detect", "ccreport.documents.monthly",
    "ccreport.render.output", "ccreport.render.registry", "ccreport.render.html", "ccreport.render.pdf",
    "ccreport.render.docx", "ccreport.render.markdown", "ccreport.render.charts", "ccreport.ingest.pipeline",
    "weasyprint", "matplotlib", "matplotlib.pyplot", "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg", "docx", "jinja2",
)


def effective_workers(workers: int, documents: int) -> int:
    """Processes worth starting for `documents` reports: none beyond the documents, and one
    (this process) when there are not two documents to share."""
    return max(1, min(workers, documents)) if documents >= 2 else 1


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        return ctx
    return multiprocessing.get_context("spawn")


def start_pool() -> None:
    """Start the forkserver now (it imports PRELOAD while this process goes on reading the
    export); a no-op where there is none. Calling it again is harmless."""
    if _context().get_start_method() != "forkserver":
        return
    try:
        from multiprocessing import forkserver

        forkserver.ensure_running()
    except (OSError, ValueError):  # the pool will start it itself, or run_jobs falls back
        pass


def run_jobs(jobs: list[Any], workers: int, progress: bool,
             worker: Callable[[Any], tuple[str, list[Path], dict]],
             lead: tuple[Callable[[Any], Any], Any] | None = None,
             ) -> tuple[dict[str, tuple[list[Path], dict]], Any]:
    """Run `worker` on every group's job, and `lead` (a module-level function and its
    argument: the overview) as the first job, in up to `workers` processes (one = in this
    process, the lead first). Returns ({group: (paths, summary)}, the lead's result or None).

    `worker` is the application's per-group step (`ccreport.app.monthly_group`): a module-level
    function, so a worker process can import it by name. It returns (group, paths, summary).
    """
    results: dict[str, tuple[list[Path], dict]] = {}
    lead_result: Any = None
    n = effective_workers(workers, len(jobs) + (lead is not None))
    bar_ctx = _progress(len(jobs), progress)
    with bar_ctx as bar:
        if n <= 1:
            if lead is not None:
                lead_result = lead[0](lead[1])
            for job in jobs:
                group, paths, summary = worker(job)
                results[group] = (paths, summary)
                bar(1)
        else:
            with ProcessPoolExecutor(max_workers=n, mp_context=_context()) as pool:
                first = pool.submit(lead[0], lead[1]) if lead is not None else None
                futures = [pool.submit(worker, job) for job in jobs]
                try:
                    for fut in as_completed(futures):
                        group, paths, summary = fut.result()
                        results[group] = (paths, summary)
                        bar(1)
                    if first is not None:
                        lead_result = first.result()
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
    return results, lead_result


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
