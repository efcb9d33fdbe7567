"""Command line: thin Click commands that parse options and call library functions.

Library code raises CcreportError subclasses; `main()` turns them into one-line messages and
the exit codes of SPEC §7. Option defaults are None so that ccreport.yaml decides unless the
user said otherwise; CCREPORT_* environment variables sit between the two.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .errors import CcreportError, QualityError
from .ingest.presets import PRESET_HELP, PRESET_NAMES
from .schema import DIMENSIONS

log = logging.getLogger("ccreport")

HELP_MAPPING = "YAML column map for exports no preset knows (see README, 'Mapping files')."
HELP_MONTH = "Reporting month: YYYY-MM, 'previous' (default) or 'current', in the configured timezone."


@dataclass
class State:
    config_path: str | None
    debug: bool
    _config: Any = None

    @property
    def config(self):
        if self._config is None:
            from .config import load_config

            self._config = load_config(self.config_path)
        return self._config


def add_options(options: list[Callable]) -> Callable:
    """Apply a list of Click options as one decorator (mkdocs style)."""

    def wrap(func: Callable) -> Callable:
        for option in reversed(options):
            func = option(func)
        return func

    return wrap


def _where_callback(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    """`--where` is kept on the context (not passed to each command): `ingest`/`_inputs` read it."""
    from .ingest.scope import parse_condition

    try:
        ctx.meta["ccreport.where"] = tuple(parse_condition(v) for v in value)
    except CcreportError as err:
        raise click.BadParameter(str(err).removeprefix("--where "), ctx=ctx, param=param) from None


def _where() -> tuple[tuple[str, str], ...]:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("ccreport.where", ()) if ctx is not None else ()


input_options = add_options([
    click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False)),
    click.option("--where", multiple=True, expose_value=False, callback=_where_callback, metavar="FIELD=VALUE",
                 help="Only the incidents with this value (repeatable: values of one field are alternatives, "
                      "different fields must all match); FIELD is priority, category, service, site, channel, "
                      "assignment_group or a custom field of the mapping file."),
    click.option("--preset", type=click.Choice(PRESET_NAMES),
                 default=None, envvar="CCREPORT_PRESET", help=PRESET_HELP),
    click.option("--mapping", type=click.Path(dir_okay=False), default=None, envvar="CCREPORT_MAPPING",
                 help=HELP_MAPPING),
    click.option("--sheet", default=None, help="XLSX sheet to read (default: the first)."),
    click.option("--events", "events_file", type=click.Path(dir_okay=False), default=None,
                 help="Incident timeline events CSV (incident_id, timestamp, type, text[, author, audience])."),
])

#: The PIR action register (SPEC §5.1): every review narrative in a folder.
narratives_option = click.option(
    "--narratives", "narratives_dir", default=None, type=click.Path(file_okay=False),
    help="Folder of PIR narratives (<incident id>.md): each review's status and the open and overdue "
         "actions across reviews (default: report.narratives in the config).")

period_options = add_options([
    click.option("--month", default=None, envvar="CCREPORT_MONTH", help=HELP_MONTH),
    click.option("--from", "date_from", default=None, help="Period start date (YYYY-MM-DD), with --to."),
    click.option("--to", "date_to", default=None, help="Period end date, exclusive (YYYY-MM-DD)."),
])


def ingest(state: State, inputs, preset, mapping, sheet, events_file):
    """Load inputs (and events) using config defaults for unset options (see app.load)."""
    from .ingest.plan import start_early

    start_early(tuple(inputs), preset, mapping)  # the parse runs while the config loads
    from . import app

    try:
        return app.load(state.config, app.Inputs(tuple(inputs), preset, mapping, sheet, events_file, _where()))
    finally:
        from .ingest.csvparse import forget

        forget(list(inputs))


def _inputs(inputs, preset, mapping, sheet, events_file):
    from .app import Inputs

    return Inputs(tuple(inputs), preset, mapping, sheet, events_file, _where())


#: SPEC §7: a document for a period the export does not cover fails unless this is given.
allow_empty_option = click.option(
    "--allow-empty", is_flag=True,
    help="Write the document even for a period the export has no data for (it says so); without it that fails.")


class ShardType(click.ParamType):
    """`K/N`: shard K (1-based) of N, 1 <= K <= N."""

    name = "K/N"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        k, sep, n = text.partition("/")
        if not sep or not k.strip().isdigit() or not n.strip().isdigit():
            self.fail(f"{text!r} is not K/N (for example 2/8: the second of eight shards).", param, ctx)
        k_, n_ = int(k), int(n)
        if n_ < 1 or not 1 <= k_ <= n_:
            self.fail(f"{text!r}: K must be between 1 and N, and N at least 1 (for example 2/8).", param, ctx)
        return k_, n_


def check_period_options(month, date_from, date_to) -> None:
    """--month and --from/--to: one or the other, and --from with --to."""
    if (date_from is None) != (date_to is None):
        raise click.UsageError("--from and --to go together.")
    if month and date_from:
        raise click.UsageError("use either --month or --from/--to, not both.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: ./ccreport.yaml if present; or $CCREPORT_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Say more about what is happening (to stderr).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, prog_name="ccreport")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool, quiet: bool, debug: bool) -> None:
    """Contact-centre incident reports from ITSM exports: monthly report, post-incident review
    and incident-management strategy, as PDF, Word, HTML and Markdown.

    \b
    Example:
        ccreport validate export.csv
        ccreport metrics export.csv --month 2026-10 --format json
    """
    level = logging.ERROR if quiet else logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    _setup_logging(level, quiet)
    ctx.obj = State(config_path=config_path, debug=debug)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"ccreport: {record.levelname.lower()}: {msg}"
        return msg


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record is emitted, not when it was created.

    Installed once: a run in this process under a test's CliRunner or capsys (or any caller
    that redirects stderr) gets the messages in its own stream, and nothing is left pointing
    at a stream that has since been closed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(_Formatter())

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # StreamHandler.__init__ and setStream assign it; the stream is always sys.stderr


#: Libraries whose log records (matplotlib's "created a temporary cache directory", fontTools'
#: subsetting notes) are shown as ccreport warnings, and not at all with --quiet.
THIRD_PARTY_LOGGERS = ("matplotlib", "fontTools")


def _setup_logging(level: int, quiet: bool) -> None:
    """Set the levels for this run; the one stderr handler is added on the first call."""
    handler = next((h for h in log.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        log.addHandler(handler)
    log.setLevel(level)
    handler.setLevel(logging.NOTSET)
    log.propagate = False
    # "Wrote ..." and the detected preset are worth saying unless --quiet.
    if not quiet and level > logging.INFO:
        log.setLevel(logging.INFO)
        handler.setLevel(logging.INFO)
    # The drawing libraries log through `logging` (Python's last-resort handler would print
    # their warnings even with --quiet): they go through ccreport's handler at the run's level.
    for name in THIRD_PARTY_LOGGERS:
        other = logging.getLogger(name)
        if handler not in other.handlers:
            other.addHandler(handler)
        other.setLevel(max(level, logging.WARNING))
        other.propagate = False


@cli.command()
@input_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 3 when the data has quality problems.")
@click.pass_obj
def validate(state: State, inputs, preset, mapping, sheet, events_file, fmt, strict) -> None:
    """Read and normalise exports and print the data-quality report.

    \b
    Example:
        ccreport validate incidents.csv
        ccreport validate snow_export.csv --preset servicenow --format json --strict
    """
    result = ingest(state, inputs, preset, mapping, sheet, events_file)
    q = result.quality
    from .console import absent_field_warnings, label_hints

    for line in absent_field_warnings(result.fields):
        log.warning("%s", line)
    for line in label_hints(q):
        log.info("hint: %s", line)
    if fmt == "json":
        click.echo(json.dumps({"preset": result.preset, "data_quality": q.to_dict()}, indent=2, default=str))
    else:
        from .console import format_quality

        click.echo(format_quality(result))
    if strict and q.problems:
        raise QualityError(f"{q.problems} data-quality problem(s) found (--strict).")


def compute_metrics(state: State, result, month, date_from, date_to, contacts_file, extended=True):
    """Resolve the period and compute the MetricSet (with contact-centre data if given).
    Returns (metric set, contact data or None)."""
    from . import app

    check_period_options(month, date_from, date_to)
    cfg = state.config
    period = app.period(cfg, month, date_from, date_to)
    contact_data = app.contacts(cfg, contacts_file)
    return app.compute(cfg, result, period, contact_data, extended=extended), contact_data


@cli.command()
@input_options
@period_options
@click.option("--contacts", "contacts_file", type=click.Path(dir_okay=False), default=None,
              help="Contact-centre interval data CSV (service level, abandonment, AHT).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--full", is_flag=True, help="JSON: add the extended sections documents use (see docs/metrics.md).")
@click.option("--by", default="priority", show_default=True, metavar="VIEW",
              help=f"Which breakdown (table and CSV) to print: {'|'.join(['totals', 'priority', *DIMENSIONS, 'trend', 'breaches'])} "
                   "or a custom field of the mapping file; breaches: the SLA breach list (also as a table).")
@narratives_option
@click.option("--schema", type=click.Choice(["core", "full"]), is_flag=False, flag_value="core", default=None,
              is_eager=True, expose_value=False, callback=lambda ctx, param, value: _print_schema(ctx, value),
              help="Print the JSON Schema of --format json (`--schema full`: of --format json --full) and exit.")
@click.pass_obj
def metrics(state: State, inputs, preset, mapping, sheet, events_file, month, date_from, date_to,
            contacts_file, fmt, full, by, narratives_dir) -> None:
    """Compute the SPEC metrics for a period and print them.

    \b
    Example:
        ccreport metrics incidents.csv --month 2026-10
        ccreport metrics incidents.csv --month previous --format json > metrics.json
        ccreport metrics incidents.csv --format csv --by category
        ccreport metrics incidents.csv --format csv --by breaches
        ccreport metrics incidents.csv --format json --full --narratives reviews/
    """
    from . import app

    stories = app.narratives(state.config, narratives_dir) if fmt == "json" and full else None
    result = ingest(state, inputs, preset, mapping, sheet, events_file)
    views = ("totals", "priority", *result.dimensions, "trend", "breaches")
    if by not in views:
        raise click.BadParameter(f"{by!r} is not one of {', '.join(views)}.", param_hint="'--by'")
    # The SPEC object and the table need no breach list, baseline or problem candidates.
    extended = full or fmt == "csv" or by == "breaches"
    ms, contact_data = compute_metrics(state, result, month, date_from, date_to, contacts_file, extended=extended)
    if fmt == "json":
        prov = app.provenance(state.config, run_request(state, has_period=True),
                              _inputs(inputs, preset, mapping, sheet, events_file), result, ms.period,
                              contacts_file, contact_data) if full else None
        click.echo(app.metrics_json(state.config, ms, full=full, register=app.register(state.config, stories, result, ms),
                                    provenance=prov))
    elif fmt == "csv":
        from .console import format_csv

        click.echo(format_csv(ms, by=by), nl=False)
    elif by == "breaches":
        from .console import format_breaches_table

        click.echo(format_breaches_table(ms), nl=False)
    else:
        from .console import format_by_table, format_table

        click.echo(format_table(ms) if by == "priority" else format_by_table(ms, by))


def _print_schema(ctx: click.Context, value: str | None) -> None:
    """`metrics --schema [core|full]`: the shipped JSON Schema (ccreport/schemas), no input needed."""
    if value is None or ctx.resilient_parsing:
        return
    from .schemas.build import shipped

    click.echo(shipped(value == "full"), nl=False)
    ctx.exit(0)


document_options = add_options([
    click.option("--format", "formats", default=None, envvar="CCREPORT_FORMAT",
                 help="Comma-separated formats: pdf,docx,html,md (default pdf,docx)."),
    click.option("--out", default=None, envvar="CCREPORT_OUT", type=click.Path(file_okay=False),
                 help="Output folder (default output/)."),
    click.option("--templates", "templates_dir", default=None, type=click.Path(file_okay=False),
                 help="Folder of Jinja2 templates that override the built-in ones."),
    click.option("--docx-template", default=None, type=click.Path(dir_okay=False),
                 help="A Word file whose styles the DOCX uses (like pandoc's --reference-doc)."),
    click.option("--pdf-variant", default=None,
                 help="PDF variant WeasyPrint supports, e.g. pdf/ua-1 or pdf/a-3b."),
    # Read by _output from the context, so the commands' signatures stay as they are.
    click.option("--markdown-flavour", type=click.Choice(["gfm", "commonmark"]), default="gfm",
                 show_default=True, envvar="CCREPORT_MARKDOWN_FLAVOUR", expose_value=False,
                 callback=lambda ctx, _param, value: ctx.meta.__setitem__("markdown_flavour", value),
                 help="Markdown: gfm (GitHub alerts, heading links) or commonmark (plain, for Confluence and wikis)."),
    click.option("--email-to", multiple=True, help="Email the documents to this address after rendering (repeatable)."),
    click.option("--dry-run", is_flag=True, help="With --email-to: write the .eml to --out instead of sending."),
    click.option("--no-provenance", is_flag=True,
                 help="Leave out the closing provenance appendix (input files, fingerprints, settings, command "
                      "line): for documents that leave the organisation."),
])


def run_request(state: State, enabled: bool = True, has_period: bool = False):
    """What the provenance records of this command line (ccreport.provenance)."""
    from .provenance import Request, command_from_context

    ctx = click.get_current_context()
    return Request(command_from_context(ctx, state.config_path), state.config_path, enabled, has_period)


def _output(state: State, formats, out, templates_dir, docx_template, pdf_variant):
    """Document options with config defaults (CLI > env > file > built-in), resolved once."""
    from .app import output

    flavour = click.get_current_context().meta.get("markdown_flavour") or "gfm"
    return output(state.config, formats, out, templates_dir, docx_template, pdf_variant, markdown_flavour=flavour)


@cli.command()
@input_options
@period_options
@click.option("--contacts", "contacts_file", type=click.Path(dir_okay=False), default=None,
              help="Contact-centre interval data CSV: service level, abandonment and AHT during incidents.")
@document_options
@click.option("--split-by", default=None, metavar="FIELD",
              help=f"Also write one report per group of {'|'.join(DIMENSIONS)} or a custom field of the mapping "
                   "file (recipients per group from email.groups).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --split-by: render this many groups in parallel processes.")
@click.option("--shard", type=ShardType(), default=None, envvar="CCREPORT_SHARD", metavar="K/N",
              help="With --split-by: render only the K-th of N stable slices of the groups (the overview "
                   "with shard 1), to share one run across N workers (docs/scheduling.md).")
@narratives_option
@click.option("--strict", is_flag=True, help="Exit 3 (after writing) when the data has quality problems.")
@allow_empty_option
@click.pass_obj
def monthly(state: State, inputs, preset, mapping, sheet, events_file, month, date_from, date_to,
            contacts_file, formats, out, templates_dir, docx_template, pdf_variant, email_to, dry_run,
            no_provenance, split_by, jobs, shard, narratives_dir, strict, allow_empty) -> None:
    """Monthly incident-management report for leadership (PDF, Word, HTML, Markdown).

    \b
    Example:
        ccreport monthly incidents.csv --month 2026-10
        ccreport monthly export-*.csv --format pdf --email-to ops-leads@example.org
        ccreport monthly export.csv --split-by site --jobs 2
        ccreport monthly export.csv --narratives reviews/
    """
    from . import app

    settings = _output(state, formats, out, templates_dir, docx_template, pdf_variant)
    check_period_options(month, date_from, date_to)
    if shard is not None and not split_by:
        raise click.UsageError("--shard K/N divides the groups of --split-by: give --split-by too.")
    app.monthly(state.config, _inputs(inputs, preset, mapping, sheet, events_file), settings, month=month,
                date_from=date_from, date_to=date_to, contacts_file=contacts_file,
                email=app.Email(tuple(email_to), dry_run), split_by=split_by, jobs=jobs, strict=strict,
                narratives_dir=narratives_dir, allow_empty=allow_empty,
                run=run_request(state, not no_provenance, has_period=True), shard=shard)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "to", multiple=True, help="Recipient (repeatable; default email.to from the config).")
@click.option("--cc", multiple=True, help="Copy recipient (repeatable).")
@click.option("--subject", default=None, help="Subject line (default: the organisation and file names).")
@click.option("--dry-run", is_flag=True, help="Write the .eml to --out instead of sending.")
@click.option("--out", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the .eml with --dry-run.")
@click.pass_obj
def send(state: State, files, to, cc, subject, dry_run, out) -> None:
    """Email existing documents over SMTP (settings under email: in ccreport.yaml).

    The password comes only from the environment variable named by email.password_env.

    \b
    Example:
        CCREPORT_SMTP_PASSWORD=... ccreport send output/monthly-2026-10.pdf --to ops@example.org
        ccreport send output/monthly-2026-10.pdf --to ops@example.org --dry-run --out output
    """
    from . import app

    if not to and not state.config.email.to:
        raise click.UsageError("no recipients: give --to/--email-to or set email.to in ccreport.yaml.")
    app.deliver(state.config, [Path(f) for f in files], to, cc=cc, subject=subject, dry_run=dry_run,
                out=Path(out), name="message-" + Path(files[0]).stem)


@cli.command()
@input_options
@click.option("--incident", "incidents", multiple=True, help="Incident ID (repeatable).")
@click.option("--all-major", is_flag=True, help="One review per major incident opened in --month (or --from/--to).")
@period_options
@click.option("--narrative", type=click.Path(dir_okay=False), default=None,
              help="Markdown with YAML front matter: status, owner, root cause, actions ... (see `ccreport init`).")
@click.option("--contacts", "contacts_file", type=click.Path(dir_okay=False), default=None,
              help="Contact-centre interval data CSV: service level, abandonment and AHT during the incident.")
@click.option("--comms-rule", type=click.Choice(["per audience", "any update"]), default="per audience", show_default=True,
              help="Communication review: internal and external updates each within the cadence, or any update.")
@document_options
@allow_empty_option
@click.pass_obj
def pir(state: State, inputs, preset, mapping, sheet, events_file, incidents, all_major, month, date_from, date_to,
        narrative, contacts_file, comms_rule, formats, out, templates_dir, docx_template, pdf_variant, email_to,
        dry_run, no_provenance, allow_empty) -> None:
    """Post-incident review (PIR) of a major incident: blameless, structured, ready to circulate.

    Without --narrative the review is still produced from the data, with the sections to
    complete clearly marked.

    \b
    Example:
        ccreport pir incidents.csv --events events.csv --incident INC0012443
        ccreport pir incidents.csv --events events.csv --incident INC0012443 --narrative pir.md
        ccreport pir incidents.csv --all-major --month 2026-10 --format pdf
    """
    from . import app

    if not incidents and not all_major:
        raise click.UsageError("name an incident with --incident ID, or use --all-major with --month.")
    if narrative and (all_major or len(incidents) > 1):
        raise click.UsageError("--narrative describes one incident: use it with a single --incident.")
    settings = _output(state, formats, out, templates_dir, docx_template, pdf_variant)
    if all_major and (date_from is None) != (date_to is None):
        raise click.UsageError("--from and --to go together.")
    request = app.PirRequest(tuple(incidents), all_major, month, date_from, date_to, narrative, contacts_file,
                             comms_rule, allow_empty)
    app.pir(state.config, _inputs(inputs, preset, mapping, sheet, events_file), settings, request,
            app.Email(tuple(email_to), dry_run), run=run_request(state, not no_provenance, has_period=all_major))


@cli.command()
@click.argument("strategy_file", type=click.Path(dir_okay=False))
@click.option("--data", "data_inputs", multiple=True, type=click.Path(dir_okay=False),
              help="Incident export(s): adds an evidence section from the last 12 months (repeatable).")
@click.option("--preset", default=None, envvar="CCREPORT_PRESET", type=click.Choice(PRESET_NAMES),
              help=PRESET_HELP)
@click.option("--coverage", is_flag=True, help="Add a criteria-coverage appendix (the strategy-check findings).")
@document_options
@click.pass_obj
def strategy(state: State, strategy_file, data_inputs, preset, coverage, formats, out, templates_dir,
             docx_template, pdf_variant, email_to, dry_run, no_provenance) -> None:
    """Incident-management strategy document from a strategy YAML file.

    \b
    Example:
        ccreport init my-centre
        ccreport strategy my-centre/strategy.yaml --format pdf,docx
        ccreport strategy strategy.yaml --data incidents.csv --coverage
    """
    from . import app

    settings = _output(state, formats, out, templates_dir, docx_template, pdf_variant)
    app.strategy(state.config, strategy_file, settings, data_inputs=list(data_inputs) or None, coverage=coverage,
                 preset=preset, email=app.Email(tuple(email_to), dry_run), run=run_request(state, not no_provenance))


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--example", is_flag=True, help="Write the complete worked example instead of a skeleton to write.")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False),
              help="YAML file answering the questions (name, sector, seats, sites, channels, hours, card_payments, "
                   "vulnerable_customers, systems, suppliers, regulators): no questions asked.")
@click.option("--name", help="The organisation or centre's name.")
@click.option("--sector", help="Sector pack: health, energy, financial, retail, public, telecoms or general.")
@click.option("--seats", type=int, help="Number of agent seats.")
@click.option("--site", "sites", multiple=True, help="A site (repeatable).")
@click.option("--channel", "channels", multiple=True, help="A contact channel (repeatable).")
@click.option("--hours", help="Opening hours, e.g. 'Mon-Fri 08:00-18:00'.")
@click.option("--card-payments/--no-card-payments", default=None, help="Whether the centre takes card payments.")
@click.option("--vulnerable/--no-vulnerable", "vulnerable", default=None,
              help="Whether it serves vulnerable customers or patients.")
@click.option("--system", "systems", multiple=True, help="A key system (repeatable).")
@click.option("--supplier", "suppliers", multiple=True, help="A key supplier (repeatable).")
@click.option("--regulator", "regulators", multiple=True, help="A regulator beyond the sector pack's (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.pass_obj
def init(state: State, directory: str, example: bool, answers_file: str | None, name, sector, seats, sites, channels,
         hours, card_payments, vulnerable, systems, suppliers, regulators, force: bool) -> None:
    """Scaffold ccreport.yaml, a strategy.yaml to write for your centre and a PIR narrative example.

    On a terminal it asks about the centre and writes a strategy skeleton: the facts from your
    answers and the sector pack, every judgement left as a "To write:" prompt. Without a
    terminal, give --answers FILE or the options. --example writes the complete worked example.
    Existing files are never overwritten without --force.

    \b
    Example:
        ccreport init my-centre
        ccreport init my-centre --answers answers.yaml
        ccreport init my-centre --name "Acme Energy" --sector energy --site Leeds --channel voice
        ccreport init example --example
        ccreport strategy-check my-centre/strategy.yaml
    """
    from .scaffold import init as scaffold

    answers = None
    if not example:
        answers = _init_answers(answers_file, {
            "name": name, "sector": sector, "seats": seats, "sites": list(sites) or None,
            "channels": list(channels) or None, "hours": hours, "card_payments": card_payments,
            "vulnerable_customers": vulnerable, "systems": list(systems) or None,
            "suppliers": list(suppliers) or None, "regulators": list(regulators) or None})
    elif answers_file or name or sector:
        raise click.UsageError("--example writes the worked example: leave out --answers and the centre's options.")
    for path in scaffold(Path(directory), force=force, answers=answers):
        log.info("Wrote %s", path)


def _init_answers(answers_file: str | None, options: dict[str, Any]):
    """The guided init's answers: the answers file, then the options over it, then (on a
    terminal) a question for each one still missing."""
    from .errors import ConfigError
    from .strategy.skeleton import SECTORS, Answers, load_answers, sector_key

    data: dict[str, Any] = dict(load_answers(answers_file)) if answers_file else {}
    data.update({k: v for k, v in options.items() if v is not None})
    if not sys.stdin.isatty():
        if not data.get("name") or not data.get("sector"):
            raise click.UsageError("stdin is not a terminal, so init cannot ask about the centre: give --answers "
                                   "FILE (or --name and --sector), or --example for the worked example.")
        return Answers.from_mapping(data, where=answers_file or "options")

    def ask(key: str, text: str, **kw: Any) -> None:
        if key not in data:
            data[key] = click.prompt(text, **kw)

    def ask_list(key: str, text: str) -> None:
        if key not in data:
            data[key] = click.prompt(text + " (comma-separated, blank for none)", default="", show_default=False)

    click.echo("About your centre (the answers fill in the facts of the strategy skeleton):", err=True)
    ask("name", "Organisation or centre name")
    while True:
        ask("sector", f"Sector ({', '.join(SECTORS)})")
        try:
            data["sector"] = sector_key(data["sector"])
            break
        except ConfigError as err:
            click.echo(str(err), err=True)
            del data["sector"]
    ask("seats", "Number of agent seats", type=click.IntRange(min=1))
    ask_list("sites", "Sites")
    ask_list("channels", "Contact channels")
    ask("hours", "Opening hours (e.g. Mon-Fri 08:00-18:00)", default="", show_default=False)
    if "card_payments" not in data:
        data["card_payments"] = click.confirm("Does the centre take card payments?", default=False)
    if "vulnerable_customers" not in data:
        data["vulnerable_customers"] = click.confirm("Does it serve vulnerable customers or patients?", default=False)
    ask_list("systems", "Key systems")
    ask_list("suppliers", "Key suppliers")
    ask_list("regulators", "Regulators beyond the sector's usual ones")
    return Answers.from_mapping(data, where=answers_file or "answers")


@cli.command("strategy-check")
@click.argument("strategy_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def strategy_check(state: State, strategy_file: str, fmt: str) -> None:
    """List the gaps in a strategy against the assessment criteria; exit 3 on any error.

    Each finding names its severity, the YAML path and line, and the assessment point it costs.

    \b
    Example:
        ccreport strategy-check strategy.yaml
        ccreport strategy-check strategy.yaml --format json
    """
    from .strategy import check, format_findings, has_errors

    findings = check(strategy_file)
    click.echo(format_findings(findings, fmt, source=strategy_file))
    if has_errors(findings):
        raise QualityError(f"{strategy_file}: the strategy has gaps marked as errors (see above).")


def sample_dir(directory: Path) -> Path:
    """`DIR/sample_data`, generated there by the package's own generator (ccreport.sample) when
    it has no incidents.csv yet, so the demo works from any folder after `pip install`."""
    src = directory / "sample_data"
    if not (src / "incidents.csv").is_file():
        from .sample import generate

        generate(src)
        log.info("Wrote the sample data to %s", src)
    return src


@cli.command()
@click.argument("directory", default=".", required=False, type=click.Path(file_okay=False))
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder for the documents (default: DIR/output).")
@click.option("--sample", "sample", default=None, type=click.Path(file_okay=False, exists=True),
              help="Sample folder to read (default: DIR/sample_data, generated there when it is not).")
@click.pass_obj
def demo(state: State, directory: str, out: str | None, sample: str | None) -> None:
    """Generate the sample data into DIR (default: here) and render every document from it.

    Works from any folder: the sample (13 months of a fictional contact centre's incidents,
    timeline events and contact-centre data) is written to DIR/sample_data unless it is
    there already, and the documents to DIR/output.

    \b
    Example:
        ccreport demo
        ccreport demo /tmp/ccreport-demo
        ccreport demo --out /tmp/ccreport-demo/output
    """
    from . import app
    from .config import load_config

    base = Path(directory)
    src = Path(sample) if sample else sample_dir(base)
    state._config = load_config(src / "ccreport.yaml")
    state.config_path = str(src / "ccreport.yaml")
    data = app.demo_load(state.config, src)
    from .console import format_quality, format_table

    click.echo(format_quality(data.result))
    ms = app.demo_metrics(data)

    click.echo("")
    click.echo(format_table(ms))
    app.demo_documents(data, Path(out) if out else base / "output", run=run_request(state))


@cli.command("docs")
@click.argument("name", required=False)
@click.option("--path", "show_path", is_flag=True, help="Print where the guide is instead of its text.")
def docs_command(name: str | None, show_path: bool) -> None:
    """Print one of the guides installed with ccreport (Markdown), or list them.

    \b
    Example:
        ccreport docs
        ccreport docs strategy
        ccreport docs scheduling --path
    """
    from .guides import guide, guides

    if name is None:
        for key, path in guides().items():
            click.echo(f"{key:<14} {path}" if show_path else key)
        return
    path = guide(name)
    click.echo(str(path) if show_path else path.read_text(encoding="utf-8"), nl=show_path)


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping a unit, cron's `timeout`), raised wherever the program is, so
    that everything which cleans up after Ctrl-C (the atomic writers' temporary files, the
    output lock) cleans up after it too. A KeyboardInterrupt, so `except Exception` in the
    library never swallows it."""


def _on_sigterm(signum: int, frame: Any) -> None:
    # A second SIGTERM while cleaning up ends the process at once (the next run's lock sweeps
    # whatever was left), as a second Ctrl-C would in most tools.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise Terminated()


def _install_sigterm_handler() -> None:
    """Turn SIGTERM into Terminated, unless someone else (an embedding program, a test runner)
    installed a handler of their own; signal handlers can only be set in the main thread."""
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)


def _exit_interrupted(exc: BaseException | None) -> None:
    """Ctrl-C: "interrupted.", exit 130; SIGTERM: "terminated.", exit 143 (128 + signal)."""
    if isinstance(exc, Terminated):
        click.echo("ccreport: terminated.", err=True)
        sys.exit(128 + signal.SIGTERM)
    click.echo("ccreport: interrupted.", err=True)
    sys.exit(130)


def _tolerant_streams() -> None:
    """Text the terminal's encoding cannot show (PYTHONIOENCODING=latin-1, an ASCII locale) is
    printed as backslash escapes (`\\u2013`) instead of ending the run in UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to print to
                pass


def _stdout_is_broken(exc: OSError) -> bool:
    """True when `exc` came from writing standard output (a full disk, /dev/full, a closed
    pipe): the innermost Python frame of its traceback is Click's `echo` (every command
    prints through it) or the final flush in `_run`. Document files never fail this way:
    the writers turn their OSErrors into RenderError."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return (code.co_name == "echo" and tb.tb_frame.f_globals.get("__name__") == "click.utils") \
        or code is _run.__code__ or code is main.__code__


def _discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the interpreter's own flush at exit has
    nowhere to fail and prints no second error (the recipe in Python's signal docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (a test's capture)
        pass


def _exit_stdout_failed(exc: OSError) -> None:
    """A reader that stopped early (`| head`): exit 1 quietly, as Click does when the pipe
    closes inside a command (and as Python's docs advise). Any other failure to write
    stdout: one line, exit 1."""
    _discard_stdout()
    if isinstance(exc, BrokenPipeError):
        sys.exit(1)
    reason = exc.strerror or type(exc).__name__
    click.echo(f"ccreport: error: cannot write to standard output ({reason}).", err=True)
    sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map errors to SPEC §7 exit codes."""
    try:
        _run(argv)
    except OSError as exc:  # raised while printing an error
        if _stdout_is_broken(exc):
            _exit_stdout_failed(exc)
        raise


def _run(argv: list[str] | None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    _install_sigterm_handler()
    _tolerant_streams()
    try:
        cli.main(args=argv, prog_name="ccreport", standalone_mode=False)
        sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        sys.exit(2)
    except click.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # Click turns Ctrl-C into Abort
            _exit_interrupted(exc.__context__)
        click.echo("ccreport: aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except CcreportError as exc:
        if debug:
            raise
        from .errors import printable  # messages quote inputs: no raw control characters

        click.echo("ccreport: error: " + "\n".join(printable(ln) for ln in str(exc).split("\n")), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        _exit_interrupted(exc)
    except OSError as exc:
        if _stdout_is_broken(exc):
            _exit_stdout_failed(exc)
        if debug:
            raise
        from .errors import printable

        click.echo(f"ccreport: internal error: {type(exc).__name__}: {printable(str(exc))} (run with --debug for details)", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: say so in one line, traceback with --debug
        if debug:
            raise
        from .errors import printable

        click.echo(f"ccreport: internal error: {type(exc).__name__}: {printable(str(exc))} (run with --debug for details)", err=True)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
