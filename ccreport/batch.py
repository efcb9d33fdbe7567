"""`monthly --split-by`: one report per group (site, service, ...) plus the overview, rendered
in parallel processes.

Workers are started with the "spawn" method: forking a process after pyarrow has started its
thread pool is unsafe. Each worker computes its group's metrics from the group's incidents and
renders them; the parent only ingests once and collects file paths.
"""

from __future__ import annotations

import hashlib
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .errors import UsageError
from .schema import DIMENSIONS, NOT_RECORDED


@dataclass
class GroupJob:
    dimension: str
    group: str
    basename: str
    ingest: Any  # IngestResult restricted to the group's incidents
    config: Any
    period: Any
    contacts: Any
    formats: list[str]
    out: Path
    templates_dir: Path | None
    docx_template: Path | None
    pdf_variant: str | None


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
    if dimension not in DIMENSIONS:
        raise UsageError(f"--split-by {dimension!r}: use one of {', '.join(DIMENSIONS)}.")
    if dimension not in ingest.fields:
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
        )
    return out


def render_group(job: GroupJob) -> tuple[str, list[Path], dict]:
    """Worker: metrics and documents for one group. Returns (group, paths, email summary)."""
    from .documents.monthly import build_monthly, email_summary
    from .metrics import compute
    from .render.options import RenderOptions
    from .render.output import write_document

    metrics = compute(job.ingest, job.config, job.period, contacts=job.contacts).to_dict(full=True)
    doc = build_monthly(metrics, job.config)
    label = job.dimension.replace("_", " ")
    doc.title = f"Monthly incident report: {job.group}"
    doc.subject = f"Incident management performance, {label} {job.group}, {doc.period_label}"
    paths = write_document(doc, job.formats, job.out, job.basename,
                           RenderOptions(templates_dir=job.templates_dir, docx_template=job.docx_template,
                                         pdf_variant=job.pdf_variant))
    summary = email_summary(metrics, job.config)
    summary["title"] = f"{summary['title']} ({label}: {job.group})"
    return job.group, paths, summary


def run_jobs(jobs: list[GroupJob], workers: int, progress: bool) -> dict[str, tuple[list[Path], dict]]:
    """Render every group, in `workers` processes (1 = in this process)."""
    results: dict[str, tuple[list[Path], dict]] = {}
    bar_ctx = _progress(len(jobs), progress)
    with bar_ctx as bar:
        if workers <= 1:
            for job in jobs:
                group, paths, summary = render_group(job)
                results[group] = (paths, summary)
                bar(1)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(render_group, job) for job in jobs]
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
