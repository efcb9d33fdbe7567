"""Provenance: what a document's figures were made from, so that an auditor can tie a report
to its exports and re-run it (issue 19, item 1).

`gather` hashes the input files and collects the effective settings that change figures, the
versions of the software that computed and drew them, the command line (secrets left out, the
period written out) and the time of the run. It is called by `app.py`; the document builders
receive the resulting `Provenance` through their options and never hash or read a file
themselves. `metrics --format json --full` prints `Provenance.to_dict()` as `provenance`.

No pandas, no WeasyPrint: versions come from `importlib.metadata`, so `metrics` stays light.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    from .config import Config
    from .period import Period

#: Distributions whose versions are recorded (the computing and the drawing libraries).
PACKAGES = ("ccreport", "pandas", "numpy", "pyarrow", "weasyprint", "python-docx", "matplotlib")

#: Option and parameter names whose values are never recorded.
SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token|api[_-]?key|credential|auth", re.IGNORECASE)
#: user:password@ in a URL given as a value.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]*@", re.IGNORECASE)
REDACTED = "<redacted>"

_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One file a figure was read from."""

    role: str  # "incidents", "events", "contacts", "mapping", "strategy", "narrative"
    name: str  # as given on the command line
    size: int
    sha256: str
    rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "size": self.size, "sha256": self.sha256,
                "rows": self.rows}


@dataclass(frozen=True)
class Provenance:
    """The facts behind one run's figures (plain data: picklable, JSON-ready)."""

    inputs: tuple[InputFile, ...] = ()
    config_file: str | None = None
    config_sha256: str | None = None
    #: Effective settings that change figures: name -> JSON-ready value.
    settings: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str | None] = field(default_factory=dict)
    #: The command that reproduces the figures (shell words; secrets left out).
    command: tuple[str, ...] = ()
    period_label: str | None = None
    period_start: str | None = None
    period_end: str | None = None  # exclusive
    #: ISO 8601, UTC (SOURCE_DATE_EPOCH when set, as reproducible builds expect).
    run_at: str = ""

    @property
    def command_line(self) -> str:
        """The command as one shell line (environment assignments first)."""
        words = list(self.command)
        n = words.index("ccreport") if "ccreport" in words else 0
        assignments = [w.split("=", 1) for w in words[:n]]
        return " ".join([f"{k}={shlex.quote(v)}" for k, v in assignments] + [shlex.quote(w) for w in words[n:]])

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [f.to_dict() for f in self.inputs],
            "config": {"file": self.config_file, "sha256": self.config_sha256},
            "settings": self.settings,
            "versions": self.versions,
            "command": self.command_line,
            "period": {"label": self.period_label, "start": self.period_start, "end": self.period_end},
            "run_at": self.run_at,
        }


# --------------------------------------------------------------------------- facts


def file_facts(role: str, path: str | Path, rows: int | None = None) -> InputFile:
    """Size and SHA-256 of a file, read in chunks (an export of any size)."""
    digest = hashlib.sha256()
    p = Path(path)
    with p.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return InputFile(role, str(path), p.stat().st_size, digest.hexdigest(), rows)


def versions() -> dict[str, str | None]:
    """Installed versions, without importing the packages (None: not installed)."""
    from importlib import metadata

    from . import __version__

    out: dict[str, str | None] = {}
    for name in PACKAGES:
        if name == "ccreport":
            out[name] = __version__
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def run_time() -> str:
    """Now in UTC to the second, or SOURCE_DATE_EPOCH's time when that is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = None
    if epoch.isdigit():
        when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    when = when or dt.datetime.now(dt.timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def effective_settings(config: "Config", preset: str | None = None) -> dict[str, Any]:
    """The settings that change figures, as the run used them (config file, environment and
    defaults applied): timezone, date order, preset, business-hours calendars, SLA targets,
    pause states, priority mapping, and the targets the figures are judged against."""
    def dump(value: Any) -> Any:
        return value.model_dump(mode="json", by_alias=True) if hasattr(value, "model_dump") else value

    return {
        "timezone": config.timezone,
        "dayfirst": config.dayfirst,
        "preset": preset,
        "calendars": {name: dump(cal) for name, cal in sorted(config.calendars.items())},
        "sla": {prio: dump(target) for prio, target in sorted(config.sla.items())},
        "pause_states": list(config.pause_states),
        "priority_map": dict(config.priority_map),
        "targets": {k: v for k, v in dump(config.targets).items() if v is not None},
    }


def config_file(path: str | Path | None, env: dict[str, str] | None = None) -> Path | None:
    """The config file a run reads (load_config's rule: the named file, $CCREPORT_CONFIG,
    ./ccreport.yaml), or None when it runs on defaults."""
    from .config import DEFAULT_CONFIG_NAME

    env = dict(os.environ) if env is None else env
    if path is None and env.get("CCREPORT_CONFIG"):
        path = env["CCREPORT_CONFIG"]
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = DEFAULT_CONFIG_NAME
    return Path(path) if path is not None else None


@dataclass(frozen=True)
class Request:
    """What the command line knows: the recorded command and whether provenance is wanted."""

    command: tuple[str, ...] = ()
    config_path: str | None = None
    enabled: bool = True
    #: The command takes --month/--from/--to: a relative or default month is written out.
    has_period: bool = False


def gather(config: "Config", request: Request, inputs: Sequence[InputFile], period: "Period | None" = None,
           preset: str | None = None) -> Provenance | None:
    """The provenance of one run (None with --no-provenance)."""
    if not request.enabled:
        return None
    cfg = config_file(request.config_path)
    cfg_hash = file_facts("config", cfg).sha256 if cfg is not None and cfg.is_file() else None
    return Provenance(
        inputs=tuple(inputs),
        config_file=str(cfg) if cfg is not None else None,
        config_sha256=cfg_hash,
        settings=effective_settings(config, preset),
        versions=versions(),
        command=pin_period(request.command, period) if request.has_period else tuple(request.command),
        period_label=period.label if period is not None else None,
        period_start=period.start.isoformat() if period is not None else None,
        period_end=period.end.isoformat() if period is not None else None,
        run_at=run_time(),
    )


# --------------------------------------------------------------------------- the command line


def redact(value: str) -> str:
    """A value with any user:password@ part of a URL left out."""
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + REDACTED + "@", value)


def pin_period(command: Sequence[str], period: "Period | None") -> tuple[str, ...]:
    """The command with a relative month ("previous", "current", or none given) written out
    as the month it resolved to, so that a re-run next month gives the same figures."""
    words = list(command)
    if period is None or period.month is None or "--from" in words:
        return tuple(words)
    if "--month" in words:
        i = words.index("--month")
        if i + 1 < len(words):
            words[i + 1] = period.month
        return tuple(words)
    return tuple(words + ["--month", period.month])


def command_from_context(ctx: Any, config_path: str | None = None,
                         env: dict[str, str] | None = None) -> tuple[str, ...]:
    """The command a Click context ran, as shell words: every option given on the command line
    or taken from an environment variable, written as an option (a secret one as <redacted>,
    or left out when it came from the environment); the config file named explicitly when it
    was found implicitly; the CCREPORT_* variables that override config keys as assignments."""
    import click
    from click.core import ParameterSource

    from .config import ENV_KEYS

    env = dict(os.environ) if env is None else env
    chain = []
    c = ctx
    while c is not None:
        chain.append(c)
        c = c.parent
    words: list[str] = [f"{var}={redact(env[var])}" for var in ENV_KEYS if env.get(var)]
    words.append("ccreport")
    for i, c in enumerate(reversed(chain)):
        if i:
            words.append(c.info_name)
        args: list[str] = []
        for param in c.command.params:
            source = c.get_parameter_source(param.name)
            if source not in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
                continue
            value = c.params.get(param.name)
            secret = bool(SECRET_NAME.search(param.name or ""))
            if isinstance(param, click.Argument):
                values = value if isinstance(value, (tuple, list)) else (value,)
                args += [REDACTED if secret else redact(str(v)) for v in values if v is not None]
                continue
            if secret and source is ParameterSource.ENVIRONMENT:
                continue
            opt = _long_name(param.opts)
            if getattr(param, "is_flag", False) and not getattr(param, "count", False):
                if value:
                    words.append(opt)
                elif param.secondary_opts:
                    words.append(_long_name(param.secondary_opts))
                continue
            if not param.expose_value:
                # Kept on the context by its callback instead (--where: (field, value) pairs).
                value = tuple("=".join(pair) for pair in c.meta.get(f"ccreport.{param.name}", ()))
            values = (value or ()) if getattr(param, "multiple", False) else (value,)
            for v in values:
                if v is None:
                    continue
                words += [opt, REDACTED if secret else redact(str(v))]
        if i == 0 and config_path is None:
            found = config_file(None, env)
            if found is not None:
                words += ["--config", str(found)]
        if any(a.startswith("-") for a in args):
            args.insert(0, "--")  # a file named like an option stays a file
        words += args
    return tuple(words)


def _long_name(opts: Iterable[str]) -> str:
    opts = list(opts)
    return next((o for o in opts if o.startswith("--")), opts[0])
