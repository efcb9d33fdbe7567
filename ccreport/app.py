"""The application layer: each command's sequence, load → compute → build → write → send.

`cli.py` parses options and calls one function here per command (`monthly`, `pir`, `strategy`,
`demo`, `deliver`); `batch.py` calls `monthly_group` for each `--split-by` group. The builders
in `ccreport.documents` only turn a model into a Document; loading, computing, writing and
emailing all happen here, and every document is written through `write` (the one call of
`render.output.write_document`).

Library errors (CcreportError) pass through; usage errors about option combinations are the
CLI's to raise before calling in.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .errors import NoDataError, QualityError, UsageError

if TYPE_CHECKING:
    from .config import Config
    from .document import Document
    from .ingest.result import IngestResult
    from .metrics.model import MetricSet
    from .period import Period
    from .pir.narrative import Narrative
    from .pir.register import Register
    from .provenance import Provenance, Request

log = logging.getLogger("ccreport")

ALL_FORMATS = ["pdf", "docx", "html", "md"]


def _branding(config: "Config") -> Any:
    """The documents' branding (imported here: `validate` and `metrics` build no document)."""
    from .documents.branding import Branding

    return Branding.from_config(config)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Inputs:
    """The incident exports to read and how (CLI options, config defaults applied in `load`)."""

    paths: tuple[str, ...]
    preset: str | None = None
    mapping: str | None = None
    sheet: str | None = None
    events: str | None = None
    #: `--where FIELD=VALUE` conditions, applied once after loading (ingest/scope.py).
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Output:
    """Where and how documents are written: resolved once per command (CLI > env > file > built-in)."""

    formats: list[str] | str
    out: Path
    templates_dir: Path | None = None
    docx_template: Path | None = None
    pdf_variant: str | None = None
    markdown_flavour: str = "gfm"


def output(config: "Config", formats: Any = None, out: Any = None, templates_dir: Any = None,
           docx_template: Any = None, pdf_variant: str | None = None, *, markdown_flavour: str = "gfm") -> Output:
    """Document options with config defaults for the ones not given."""
    return Output(
        formats=formats or config.format or "pdf,docx",
        out=Path(out or (str(config.resolve_path(config.out)) if config.out else "output")),
        templates_dir=templates_dir or (config.resolve_path(config.templates) if config.templates else None),
        docx_template=docx_template or (config.resolve_path(config.docx_template) if config.docx_template else None),
        pdf_variant=pdf_variant,
        markdown_flavour=markdown_flavour,
    )


@dataclass(frozen=True)
class Email:
    """`--email-to` / `--dry-run`: empty `to` sends nothing."""

    to: tuple[str, ...] = ()
    dry_run: bool = False


# --------------------------------------------------------------------------- steps


def load(config: "Config", inputs: Inputs) -> "IngestResult":
    """Read and normalise the exports (and events), config defaults for unset options."""
    from .ingest import load as ingest_load
    from .ingest import load_events
    from .ingest.csvparse import forget
    from .ingest.plan import start_reading

    preset = inputs.preset or config.preset or "auto"
    mapping = inputs.mapping or (str(config.resolve_path(config.mapping)) if config.mapping else None)
    # The first export's parse starts now, in a thread, and runs while the pipeline's imports
    # (pandas above all) take the main thread.
    mapping = start_reading(list(inputs.paths), config, preset, mapping)
    try:
        result = ingest_load(list(inputs.paths), config, preset=preset, mapping=mapping, sheet=inputs.sheet)
    finally:
        forget(list(inputs.paths))
    if inputs.events:
        events = load_events(inputs.events, config, result)
        result.sources = (*result.sources, (str(inputs.events), len(events)))
    if inputs.where:
        from .ingest.scope import restrict

        result = restrict(result, inputs.where)
    return result


def provenance(config: "Config", run: "Request | None", inputs: Inputs | None = None,
               result: "IngestResult | None" = None, p: "Period | None" = None, contacts_file: str | None = None,
               contact_data: Any = None, extra: Sequence[tuple[str, str | Path]] = ()) -> "Provenance | None":
    """What this run's figures were made from (ccreport.provenance): every input file hashed,
    with the rows read from it; None without a request or with --no-provenance."""
    if run is None or not run.enabled:
        return None
    from .provenance import file_facts, gather

    rows = dict(result.sources) if result is not None else {}
    files = []
    if inputs is not None:
        files += [file_facts("incidents", path, rows.get(str(path))) for path in inputs.paths]
        if inputs.events:
            files.append(file_facts("events", inputs.events, rows.get(str(inputs.events))))
        mapping = inputs.mapping or (str(config.resolve_path(config.mapping)) if config.mapping else None)
        if mapping:
            files.append(file_facts("mapping", mapping))
    if contacts_file:
        files.append(file_facts("contacts", contacts_file, len(contact_data) if contact_data is not None else None))
    files += [file_facts(role, path) for role, path in extra]
    return gather(config, run, files, p, preset=result.preset if result is not None else None)


def period(config: "Config", month: str | None = None, date_from: str | None = None,
           date_to: str | None = None) -> "Period":
    from .period import resolve_period

    return resolve_period(config, month=month, start=date_from, end=date_to)


def contacts(config: "Config", contacts_file: str | None) -> Any:
    """The contact-centre interval data, or None without a file."""
    if not contacts_file:
        return None
    from .ingest.contacts import load_contacts

    return load_contacts(contacts_file, config)


def compute(config: "Config", result: "IngestResult", period: "Period", contact_data: Any = None,
            coverage: Any = None, extended: bool = True) -> "MetricSet":
    """The typed metric set for a period (`coverage`: the whole export's, for a group's part;
    `extended` False: only what the SPEC §4 object and the terminal table need)."""
    from .metrics import compute as compute_metrics

    return compute_metrics(result, config, period, contacts=contact_data, coverage=coverage, extended=extended)


def findings(config: "Config", ms: "MetricSet", statuses: Mapping[str, str] | None = None,
             register: "Register | None" = None) -> list[Any]:
    """The period's findings (ccreport.findings), ranked: what the summary and the
    recommendations say, and the `findings` of the full metrics JSON. With a PIR register,
    the overdue-review finding also counts the overdue actions."""
    from .findings import find

    overdue_actions = len(register.overdue_actions) if register is not None else 0
    return find(ms, config.findings, min_base=config.report.min_base, pir_statuses=statuses,
                overdue_actions=overdue_actions)


def metrics_json(config: "Config", ms: "MetricSet", full: bool = False, register: "Register | None" = None,
                 provenance: "Provenance | None" = None) -> str:
    """What `metrics --format json [--full]` prints: the metric set, and with `full` its findings
    and, given a PIR register, its `reviews` and `actions` (docs/metrics.md), and given the
    run's provenance, `provenance`."""
    import json

    if not full:
        return ms.to_json()
    out = ms.to_dict(full=True)
    statuses = register.statuses() if register is not None else None
    out["findings"] = [f.to_dict() for f in findings(config, ms, statuses, register)]
    if register is not None:
        out.update(register.to_dict())
    if provenance is not None:
        out["provenance"] = provenance.to_dict()
    return json.dumps(out, indent=2, default=str, allow_nan=False)


def write(doc: "Document", settings: Output, basename: str, config: "Config") -> list[Path]:
    """Write one document in every requested format (the only call of write_document)."""
    from .render.options import RenderOptions
    from .render.output import write_document

    options = RenderOptions(templates_dir=settings.templates_dir, docx_template=settings.docx_template,
                            pdf_variant=settings.pdf_variant, markdown_flavour=settings.markdown_flavour)
    return write_document(doc, settings.formats, settings.out, basename, options)


def deliver(config: "Config", files: list[Path], to: Iterable[str], cc: Iterable[str] = (),
            subject: str | None = None, summary: Mapping[str, Any] | None = None, dry_run: bool = False,
            out: Path | None = None, name: str = "message") -> None:
    """Email documents, or write the .eml with --dry-run."""
    from .delivery import build_message, send, write_eml

    to = list(to) or list(config.email.to)
    if not to:
        raise UsageError("no recipients: give --to/--email-to or set email.to in ccreport.yaml.")
    message = build_message(config, files, to, cc=list(cc) or list(config.email.cc), subject=subject,
                            summary=summary)
    if dry_run:
        path = write_eml(message, out or Path("."), name)
        log.info("Wrote %s (dry run: nothing sent)", path)
    else:
        send(config, message)


# --------------------------------------------------------------------------- coverage


def _short_date(iso: str) -> str:
    d = dt.datetime.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def check_coverage(coverage: Any, p: "Period", allow_empty: bool) -> None:
    """SPEC §7: a document for a period the export does not cover at all fails (exit 1, one
    line naming the period and the export's date range) unless --allow-empty; an export that
    ends inside the period is a warning. Runs before anything is written or sent."""
    if coverage.covers_period(p):
        if coverage.ends_inside(p):
            log.warning("the export ends on %s, inside %s: its figures cover only the days up to then.",
                        _short_date(coverage.last_record), p.label)
        return
    if coverage.last_record is None:
        where = "the export has no dated records"
    elif p.start >= dt.datetime.fromisoformat(coverage.last_record):
        where = (f"the export ends on {_short_date(coverage.last_record)} "
                 f"(it covers {_short_date(coverage.first_record)} to {_short_date(coverage.last_record)})")
    else:
        where = (f"the export starts on {_short_date(coverage.first_record)} "
                 f"(it covers {_short_date(coverage.first_record)} to {_short_date(coverage.last_record)})")
    if not allow_empty:
        raise NoDataError(f"{where}; {p.label} has no data. Export again, or pass --allow-empty.")
    log.warning("%s; %s has no data (--allow-empty).", where, p.label)


# --------------------------------------------------------------------------- file names


def period_slug(p: "Period") -> str:
    """"2026-10" for a month, "2026-10-01_2026-10-15" for a custom period."""
    if p.month:
        return str(p.month)
    start = p.start.date()
    end = p.end.date() - dt.timedelta(days=1)
    return f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"


def monthly_basename(p: "Period") -> str:
    """The overview report's file name: `monthly-2026-10` for a calendar month,
    `report-2026-07-01_2026-09-30` for a `--from/--to` period (first and last day), which
    is not a monthly report."""
    return f"{'monthly' if p.month else 'report'}-{period_slug(p)}"


def pir_basename(incident_id: str) -> str:
    """`pir-<sanitised id>`; a short hash of the ID is added whenever sanitising changed it,
    so two IDs that sanitise alike ("a/b", "a_b") never overwrite each other's files."""
    from .render.files import safe_basename

    raw = f"pir-{incident_id}"
    clean = safe_basename(raw, max_len=88)
    if clean != raw:
        import hashlib

        digest = hashlib.sha256(str(incident_id).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        clean = f"{clean}-{digest}"
    return clean


_SLUG = re.compile(r"[^a-z0-9]+")


def strategy_basename(strategy: Any, path: str | Path | None = None) -> str:
    """`strategy-<organisation>`: lower case, hyphens; the file stem when the name has no Latin letters."""
    slug = _SLUG.sub("-", strategy.organisation.name.lower()).strip("-")
    if not slug and path is not None:
        slug = _SLUG.sub("-", Path(path).stem.lower()).strip("-")
    return f"strategy-{slug[:80].rstrip('-')}" if slug else "strategy"


# --------------------------------------------------------------------------- monthly


def pir_statuses(narratives_dir: str | Path | None) -> dict[str, str] | None:
    """incident_id -> review status from `DIR/*.md` narratives (the file stem is the incident ID,
    with or without a leading "pir-"); None without a folder."""
    if not narratives_dir:
        return None
    from .pir.register import read_narratives

    return {i: n.status for i, n in read_narratives(narratives_dir).items()}


def narratives(config: "Config", narratives_dir: str | Path | None = None) -> "dict[str, Narrative] | None":
    """The PIR narratives of the action register: `--narratives DIR`, else the config's
    `report.narratives` (relative to the config file's folder); None without either. Every
    file is read and checked now, before any export is loaded."""
    from .pir.register import read_narratives

    if narratives_dir:
        return read_narratives(narratives_dir)
    if config.report.narratives:
        return read_narratives(config.resolve_path(config.report.narratives), what="report.narratives")
    return None


def register(config: "Config", stories: "Mapping[str, Narrative] | None", result: "IngestResult",
             ms: "MetricSet", only_in_export: bool = False) -> "Register | None":
    """The PIR action register at the end of the metric set's period (None without narratives)."""
    if stories is None:
        return None
    from .pir.register import build_register

    return build_register(stories, ms.major_incidents, result.incidents, ms.period.last_day, config.timezone,
                          config.report.review_working_days, only_in_export=only_in_export)


def monthly_document(ms: "MetricSet", config: "Config", statuses: Mapping[str, str] | None = None,
                     group: tuple[str, str] | None = None, date: dt.date | None = None,
                     register: "Register | None" = None,
                     provenance: "Provenance | None" = None) -> tuple["Document", dict]:
    """The monthly report and its email summary from a typed metric set. With a PIR
    `register`, the report has its actions section, and the review statuses come from it
    unless `statuses` is given."""
    from .documents.monthly import MonthlyOptions, build_monthly, email_summary

    if statuses is None and register is not None:
        statuses = register.statuses()
    branding = _branding(config)
    options = MonthlyOptions(date=date, pir_statuses=statuses, group=group, min_base=config.report.min_base,
                             findings=tuple(findings(config, ms, statuses, register)), findings_settings=config.findings,
                             problems_in_body=config.problems.in_body, register=register,
                             provenance=provenance)
    return build_monthly(ms, branding, options), email_summary(ms, branding, options)


@dataclass
class GroupJob:
    """One `--split-by` group's monthly report (picklable: it crosses to a spawned process)."""

    dimension: str
    group: str
    basename: str
    ingest: Any  # IngestResult restricted to the group's incidents
    config: Any
    period: Any
    contacts: Any
    settings: Output
    statuses: Mapping[str, str] | None = None
    coverage: Any = None  # the whole export's: a group's quiet months are zeros, not gaps
    narratives: Mapping[str, Any] | None = None  # for the group's own PIR register
    provenance: Any = None  # the run's: the same inputs and command


def monthly_group(job: GroupJob) -> tuple[str, list[Path], dict]:
    """Metrics and documents for one group. Returns (group, paths, email summary)."""
    ms = compute(job.config, job.ingest, job.period, job.contacts, job.coverage)
    # The group's register: the reviews of the group's own incidents.
    reg = register(job.config, job.narratives, job.ingest, ms, only_in_export=True)
    doc, summary = monthly_document(ms, job.config, job.statuses, group=(job.dimension, job.group), register=reg,
                                    provenance=job.provenance)
    return job.group, write(doc, job.settings, job.basename, job.config), summary


def _charts_ahead(verb):
    """`verb` with its charts drawn by a helper process started now, which imports matplotlib
    while this process reads the export (render.charts.drawing_ahead). Not for a --split-by
    pool: its workers draw their own."""

    @functools.wraps(verb)
    def run(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("split_by") and kwargs.get("jobs", 1) > 1:
            return verb(*args, **kwargs)
        from .render.charts import drawing_ahead

        with drawing_ahead():
            return verb(*args, **kwargs)

    return run


@_charts_ahead
def monthly(config: "Config", inputs: Inputs, settings: Output, *, month: str | None = None,
            date_from: str | None = None, date_to: str | None = None, contacts_file: str | None = None,
            email: Email = Email(), split_by: str | None = None, jobs: int = 1, strict: bool = False,
            narratives_dir: str | Path | None = None, allow_empty: bool = False,
            run: "Request | None" = None, shard: tuple[int, int] | None = None) -> list[Path]:
    """`ccreport monthly`: the overview report, one per group with `split_by`, then email.
    A period the export does not cover at all fails before anything is written, unless
    `allow_empty` (check_coverage)."""
    from .batch import group_slug
    from .lock import output_lock

    if split_by and jobs > 1:
        from .batch import start_pool

        start_pool()  # the workers' rendering stack imports while the export is read
    stories = narratives(config, narratives_dir)
    result = load(config, inputs)
    p = period(config, month, date_from, date_to)
    contact_data = contacts(config, contacts_file)
    ms = compute(config, result, p, contact_data)
    check_coverage(ms.coverage, ms.period, allow_empty)
    reg = register(config, stories, result, ms)
    statuses = reg.statuses() if reg is not None else None
    slug = monthly_basename(ms.period)
    scope = None
    if result.scope:  # --where: the report says whose it is, and has its own file name
        from .ingest.scope import scope_label

        scope = scope_label(result.scope)
        slug = f"{slug}-{group_slug(scope[1])}"
    out = settings.out
    prov = provenance(config, run, inputs, result, ms.period, contacts_file, contact_data)
    overview = shard is None or shard[0] == 1  # a shard run: the overview comes with shard 1
    files: list[Path] = []
    with output_lock(out):
        summary: dict = {}
        doc = None
        if overview:
            doc, summary = monthly_document(ms, config, statuses, group=scope, register=reg, provenance=prov)
        groups: dict[str, tuple[list[Path], dict]] = {}
        if split_by:  # the overview is written by the same pool as the groups
            groups, files = _monthly_groups(config, result, ms.period, contact_data, split_by, jobs, settings,
                                            slug, statuses, ms.coverage, stories, prov, shard,
                                            overview=(doc, settings, slug, config) if doc is not None else None)
        elif doc is not None:
            files = write(doc, settings, slug, config)
        if email.to and overview:
            deliver(config, files, email.to, summary=summary, dry_run=email.dry_run, out=out,
                    name=slug)
        recipients = config.email.groups
        for group, (paths, group_summary) in groups.items():
            # The group's file-name part: distinct groups, distinct .eml files.
            if group in recipients and (email.to or email.dry_run):
                deliver(config, paths, recipients[group], summary=group_summary, dry_run=email.dry_run, out=out,
                        name=f"{slug}-{group_slug(group)}")
    if strict and result.quality.problems:
        raise QualityError(f"{result.quality.problems} data-quality problem(s) found (--strict); documents were written.")
    return files


def _monthly_groups(config: "Config", result: "IngestResult", p: "Period", contact_data: Any, split_by: str,
                    jobs: int, settings: Output, slug: str,
                    statuses: Mapping[str, str] | None, coverage: Any = None,
                    stories: Mapping[str, Any] | None = None, prov: "Provenance | None" = None,
                    shard: tuple[int, int] | None = None, overview: tuple | None = None,
                    ) -> tuple[dict[str, tuple[list[Path], dict]], list[Path]]:
    """One monthly report per group, in parallel processes, and the `overview` (write()'s
    arguments) as the pool's first job; returns ({group: (paths, summary)}, overview paths).
    With `shard` (K, N): only the groups of the K-th of N slices (`shard_groups`)."""
    from .batch import effective_workers, group_contacts, group_slug, run_jobs, split_ingest

    formats = settings.formats
    formats = formats if isinstance(formats, list) else [f.strip() for f in str(formats).split(",")]
    group_settings = Output(formats, Path(settings.out), settings.templates_dir, settings.docx_template,
                            settings.pdf_variant, settings.markdown_flavour)
    parts = split_ingest(result, split_by)
    mine = set(shard_groups(list(parts), *shard)) if shard is not None else set(parts)
    job_list = [
        GroupJob(split_by, group, f"{slug}-{group_slug(group)}", part, config, p,
                 group_contacts(contact_data, split_by, group), group_settings, statuses, coverage, stories, prov)
        for group, part in parts.items() if group in mine
    ]
    quiet = log.getEffectiveLevel() > logging.INFO
    results, files = run_jobs(job_list, jobs, progress=not quiet, worker=monthly_group,
                              lead=(write_args, overview) if overview is not None else None)
    files = files or []
    if effective_workers(jobs, len(job_list) + (overview is not None)) > 1:
        # A worker's log goes nowhere: the files it wrote are named here (in this process
        # the writer has named them already).
        for path in files:
            log.info("Wrote %s", path)
        for group in sorted(results):
            for path in results[group][0]:
                log.info("Wrote %s", path)
    return results, files


def write_args(args: tuple) -> list[Path]:
    """write(*args), as a pool job (module-level, so a worker process can import it)."""
    return write(*args)


def shard_groups(groups: Iterable[str], k: int, n: int) -> list[str]:
    """The groups of shard `k` of `n` (1-based): the groups sorted by their UTF-8 bytes (the
    same order on every machine and locale), dealt round-robin, so every group is in exactly
    one shard and the shards differ in size by at most one group."""
    if not (1 <= k <= n):
        raise UsageError(f"--shard {k}/{n}: K must be between 1 and N.")
    ordered = sorted(set(groups), key=lambda g: str(g).encode("utf-8", "surrogatepass"))
    return ordered[k - 1::n]


# --------------------------------------------------------------------------- PIR


@dataclass(frozen=True)
class PirRequest:
    """What `ccreport pir` was asked for."""

    incidents: tuple[str, ...] = ()
    all_major: bool = False
    month: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    narrative: str | None = None
    contacts_file: str | None = None
    comms_rule: str = "per audience"
    allow_empty: bool = False


def pir_document(result: "IngestResult", config: "Config", incident_id: str, narrative: Any = None,
                 contact_data: Any = None, *, comms_rule: str = "per audience", now: Any = None,
                 date: dt.date | None = None, cadence: Mapping[str, float] | None = None,
                 provenance: "Provenance | None" = None) -> "Document":
    """Gather one incident's facts and build its review."""
    from .documents.pir import PirOptions, build_pir
    from .pir.facts import incident_facts

    facts = incident_facts(result, config, incident_id, narrative=narrative, contacts=contact_data, now=now,
                           cadence=cadence, comms_rule=comms_rule)
    published = date or (facts.now.tz_convert(config.timezone).date() if now is not None else None)
    options = PirOptions(date=published, pause_states=tuple(config.pause_states),
                         sl_method=_sl_method(config), comms_rule=comms_rule, provenance=provenance)
    return build_pir(facts, narrative, _branding(config), options)


def _sl_method(config: "Config") -> str:
    from .metrics.contacts import sl_method

    return sl_method(config)


@_charts_ahead
def pir(config: "Config", inputs: Inputs, settings: Output, request: PirRequest, email: Email = Email(),
        run: "Request | None" = None) -> list[Path]:
    """`ccreport pir`: one review per incident named, or per major incident of the period."""
    from .lock import output_lock
    from .pir.narrative import load_narrative
    from .pir.facts import find_incident, major_incident_ids

    story = load_narrative(request.narrative) if request.narrative else None
    result = load(config, inputs)
    ids = list(request.incidents)
    p = None
    if request.all_major:
        p = period(config, request.month, request.date_from, request.date_to)
        from .metrics.coverage import export_coverage

        check_coverage(export_coverage(result.incidents, config.timezone), p, request.allow_empty)
        ids += [i for i in major_incident_ids(result, p) if i not in ids]
        if not ids:
            log.warning("no major incidents were opened in %s; no review written.", p.label)
    for incident_id in ids:
        find_incident(result, incident_id)  # unknown IDs fail before anything is written
    contact_data = contacts(config, request.contacts_file)
    extra = [("narrative", request.narrative)] if request.narrative else []
    prov = provenance(config, run, inputs, result, p, request.contacts_file, contact_data, extra)
    written: list[Path] = []
    with output_lock(settings.out):
        for incident_id in ids:
            doc = pir_document(result, config, incident_id, story, contact_data, comms_rule=request.comms_rule,
                               provenance=prov)
            files = write(doc, settings, pir_basename(doc.period_label), config)
            written += files
            if email.to:
                deliver(config, files, email.to, dry_run=email.dry_run, out=settings.out, name=Path(files[0]).stem)
    return written


# --------------------------------------------------------------------------- strategy


def strategy_document(strategy_path: str | Path, config: "Config", data_inputs: Sequence[str | Path] | None = None,
                      coverage: bool = False, preset: str = "auto", today: dt.date | None = None,
                      run: "Request | None" = None) -> tuple["Document", Any]:
    """Read the strategy, add evidence from the data when given, build the document.
    Returns (document, strategy)."""
    from .documents.strategy import Coverage, StrategyOptions, build_strategy
    from .strategy import check, coverage as coverage_rows, load_strategy
    from .strategy.evidence import strategy_evidence

    strategy = load_strategy(strategy_path)
    evidence = None
    result = None
    if data_inputs:
        # The same loading as every other command (the config's preset and mapping file included).
        result = load(config, Inputs(tuple(str(p) for p in data_inputs), preset))
        evidence = strategy_evidence(strategy, result, config)
    prov = provenance(config, run, Inputs(tuple(str(p) for p in data_inputs), preset) if data_inputs else None,
                      result, extra=[("strategy", strategy_path)])
    cov = None
    if coverage:
        findings = check(strategy_path)  # from the file: findings carry line numbers
        from .strategy.substance import example_share

        cov = Coverage(coverage_rows(strategy, findings), findings, example_share(strategy))
    doc = build_strategy(strategy, evidence, cov, _branding(config),
                         StrategyOptions(today=today, provenance=prov))
    return doc, strategy


@_charts_ahead
def strategy(config: "Config", strategy_path: str | Path, settings: Output, *,
             data_inputs: Sequence[str | Path] | None = None, coverage: bool = False, preset: str | None = None,
             email: Email = Email(), today: dt.date | None = None, run: "Request | None" = None) -> list[Path]:
    """`ccreport strategy`: the strategy document, with evidence and coverage when asked."""
    from .lock import output_lock

    with output_lock(settings.out):
        doc, strat = strategy_document(strategy_path, config, data_inputs=list(data_inputs or []) or None,
                                       coverage=coverage, preset=preset or config.preset or "auto", today=today,
                                       run=run)
        files = write(doc, settings, strategy_basename(strat, strategy_path), config)
        if email.to:
            deliver(config, files, email.to, dry_run=email.dry_run, out=settings.out, name=Path(files[0]).stem)
    return files


# --------------------------------------------------------------------------- demo


@dataclass
class DemoData:
    """What the demo reads and computes before writing documents (the CLI prints it)."""

    src: Path
    result: Any
    metrics: Any
    config: Any
    month: str = ""
    contact_data: Any = field(default=None, repr=False)


def demo_load(config: "Config", src: Path) -> DemoData:
    """Load the sample (incidents and events)."""
    result = load(config, Inputs((str(src / "incidents.csv"),), events=str(src / "events.csv")))
    return DemoData(src, result, None, config)


def demo_metrics(data: DemoData) -> Any:
    """The latest month's metrics of the sample, with its contact-centre data."""
    config = data.config
    data.month = last_month(data.result, config.timezone)
    data.contact_data = contacts(config, str(data.src / "contacts.csv"))
    data.metrics = compute(config, data.result, period(config, data.month), data.contact_data)
    return data.metrics


def last_month(result: "IngestResult", timezone: str) -> str:
    """The month of the newest incident, in the configured timezone (YYYY-MM)."""
    return result.incidents["opened_at"].max().tz_convert(timezone).strftime("%Y-%m")


def demo_documents(data: DemoData, out: Path, run: "Request | None" = None) -> None:
    """Every document kind from the sample, in every format."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = data.config
    settings = output(config, list(ALL_FORMATS), out)
    inputs = Inputs((str(data.src / "incidents.csv"),), events=str(data.src / "events.csv"))
    contacts_file = str(data.src / "contacts.csv")
    prov = provenance(config, run, inputs, data.result, data.metrics.period, contacts_file, data.contact_data)
    # Monthly.
    ms = data.metrics
    doc, _ = monthly_document(ms, config, provenance=prov)
    write(doc, settings, monthly_basename(ms.period), config)
    # The review of the biggest major incident in the sample (by customers affected).
    incidents = data.result.incidents
    majors = incidents[incidents["major"].fillna(False).astype(bool)]
    biggest = majors.sort_values("customers_affected", ascending=False).iloc[0]["incident_id"]
    # With the sample's narrative for it (reviews/<id>.md) the review is a finished one, and the
    # blank draft a reviewer starts from is written beside it as pir-<id>-draft.
    review = data.src / "reviews" / f"{biggest}.md"
    story = None
    if review.is_file():
        from .pir.narrative import load_narrative

        story = load_narrative(review)
    prov = provenance(config, run, inputs, data.result, None, contacts_file, data.contact_data)
    doc = pir_document(data.result, config, biggest, story, data.contact_data, provenance=prov)
    write(doc, settings, pir_basename(doc.period_label), config)
    if story is not None:
        draft = pir_document(data.result, config, biggest, None, data.contact_data, provenance=prov)
        write(draft, settings, pir_basename(draft.period_label) + "-draft", config)
    # The strategy, with evidence from the sample and the coverage appendix.
    example = Path(__file__).resolve().parent / "examples" / "strategy.yaml"
    doc, strat = strategy_document(example, config, data_inputs=[str(data.src / "incidents.csv")], coverage=True,
                                   run=run)
    write(doc, settings, strategy_basename(strat, example), config)
