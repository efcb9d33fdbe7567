"""The configuration model (SPEC §3.4): loading `ccreport.yaml` strictly and merging sources.

Precedence: command line > `CCREPORT_*` environment variables > config file > defaults. The CLI
passes options whose value is None when the user did not give them, so the file decides.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, StringConstraints, create_model, field_validator, model_validator

from . import yamlio
from .errors import ConfigError
from .metrics.definitions import contact_target_keys, target_keys
from .ingest.presets import PRESET_NAMES
from .schema import DEFAULT_MISSING, PRIORITIES

DEFAULT_CONFIG_NAME = "ccreport.yaml"
#: ServiceNow's default impact × urgency matrix: [impact-1][urgency-1].
DEFAULT_MATRIX = (("P1", "P2", "P3"), ("P2", "P3", "P4"), ("P3", "P4", "P5"))

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_HOURS = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_duration(value: Any) -> float:
    """'15m', '4h', '3d' (d = 24 clock hours) or a number of hours -> hours as float."""
    if isinstance(value, bool):
        raise ValueError("a duration like 15m, 4h or 3d")
    if isinstance(value, (int, float)):
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration like 15m, 4h or 3d")
    number, unit = float(m.group(1)), m.group(2)
    return number / 60 if unit == "m" else number * 24 if unit == "d" else number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Organisation(_Strict):
    name: str = "Contact Centre"
    logo: str | None = None
    primary_colour: str = "#1f4e79"

    @field_validator("primary_colour")
    @classmethod
    def _colour(cls, v: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", v):
            raise ValueError(f"{v!r} is not a colour like #1f4e79")
        return v


class Holidays(_Strict):
    country: str | None = None
    subdivision: str | None = None
    dates: tuple[dt.date, ...] = ()

    @model_validator(mode="after")
    def _known(self) -> Holidays:
        """An unknown country or subdivision is a configuration error now, not after a million
        rows have been read (from the holiday cache when the country was seen before, else this
        loads the holidays package's data for the country)."""
        if self.country:
            from .holidaycache import check_known

            try:
                check_known(self.country, self.subdivision)
            except NotImplementedError:
                import holidays

                subdivisions = holidays.list_supported_countries().get(self.country)
                if subdivisions is None:
                    raise ValueError(f"country {self.country!r} is not known to the holidays package "
                                     "(use an ISO code such as GB)") from None
                raise ValueError(f"{self.country!r}/{self.subdivision!r}: {self.country} has no subdivision "
                                 f"{self.subdivision!r}; use one of {', '.join(subdivisions)}") from None
            except Exception as err:  # the package raises plain exceptions for bad subdivisions
                raise ValueError(f"{self.country!r}/{self.subdivision!r}: {str(err).splitlines()[0]}") from None
        return self


class Calendar(_Strict):
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon", "tue", "wed", "thu", "fri",
    )
    hours: str = "08:00-18:00"
    holidays: Holidays = Field(default_factory=dict, validate_default=True)

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        # No working day means no working minute: every SLA clock would stay at zero and
        # every SLA would be 100 % met.
        if not v:
            raise ValueError("a calendar needs at least one working day, e.g. [mon, tue, wed, thu, fri]")
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        m = _HOURS.match(v.strip())
        if not m:
            raise ValueError(f"{v!r} is not a range like 08:00-18:00")
        start = int(m.group(1)) * 60 + int(m.group(2))
        end = int(m.group(3)) * 60 + int(m.group(4))
        if not 0 <= start < end <= 24 * 60:
            raise ValueError(f"{v!r}: the end must be after the start, within one day")
        return v.strip()

    @property
    def start_minute(self) -> int:
        m = _HOURS.match(self.hours)
        assert m
        return int(m.group(1)) * 60 + int(m.group(2))

    @property
    def end_minute(self) -> int:
        m = _HOURS.match(self.hours)
        assert m
        return int(m.group(3)) * 60 + int(m.group(4))

    @property
    def weekmask(self) -> str:
        """numpy busday weekmask, Monday first."""
        return "".join("1" if d in self.days else "0" for d in _DAYS)


class SlaTarget(_Strict):
    respond: float | None = None
    resolve: float | None = None
    calendar: str = "24x7"
    #: How often stakeholders must hear about an open incident of this priority (PIR comms
    #: review). An extension of SPEC §3.4; without it the PIR uses P1 30m, P2 1h, P3 4h.
    update: float | None = None

    @field_validator("respond", "resolve", "update", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float | None:
        return None if v is None else parse_duration(v)


#: Default `targets:` values (the order is that of the `targets` echo in metrics JSON). A
#: target key of the metrics registry that is not listed here defaults to None (no target).
#: There are no built-in targets: a figure is judged (RAG, "target missed") only against a
#: target the user set; `ccreport init` writes sensible ones into the config it scaffolds.
TARGET_DEFAULTS: dict[str, float | None] = {
    "resolution_sla_pct": None,
    "response_sla_pct": None,
    "mttr_hours": None,
    "reopen_rate_pct": None,
    "escalation_rate_pct": None,
    "mtta_hours": None,
    "csat_mean": None,
}


def _targets_model() -> type[BaseModel]:
    """`targets:` accepts exactly the registry's target keys (metrics.definitions.target_keys);
    an unknown key fails like any other unknown config key."""
    keys = target_keys()
    stray = [k for k in TARGET_DEFAULTS if k not in keys]
    if stray:  # a default for a figure the registry no longer judges against a target
        raise RuntimeError(f"config.TARGET_DEFAULTS: {', '.join(stray)} is not a target key of the metrics registry")
    names = [*TARGET_DEFAULTS, *(k for k in keys if k not in TARGET_DEFAULTS)]
    fields: dict[str, Any] = {k: (float | None, TARGET_DEFAULTS.get(k)) for k in names}
    # The contact-centre targets have a range: a service level or abandonment above 100 % and
    # a handle time of 0 s or less cannot be met or missed.
    for k in contact_target_keys():
        bounds = {"gt": 0} if k == "aht_seconds" else {"ge": 0, "le": 100}
        fields[k] = (float | None, Field(TARGET_DEFAULTS.get(k), allow_inf_nan=False, **bounds))
    return create_model("Targets", __base__=_Strict, __module__=__name__, **fields)


Targets = _targets_model()


#: Bounds of the `email` numbers: a value outside them is a typo, not a wish (1e23 retries).
EMAIL_MAX_RETRIES = 20
EMAIL_MAX_SECONDS = 86400


class Email(_Strict):
    host: str = "localhost"
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str = "CCREPORT_SMTP_PASSWORD"
    from_: str | None = Field(default=None, alias="from")
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    cafile: str | None = None
    #: Seconds one read or write on the connection may wait (smtplib's socket timeout).
    timeout: float = 30.0
    #: Retries after the first attempt, for temporary failures.
    retries: int = 3
    #: Wall-clock seconds the whole send may take: every attempt and every wait between them.
    deadline: float = 300.0
    #: Wall-clock seconds one attempt (connect, TLS, login, send, quit) may take, so a server
    #: that trickles one byte at a time cannot hold it, however short each wait is.
    attempt_deadline: float = 120.0
    groups: dict[str, tuple[str, ...]] = {}

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("port", "retries", mode="before")
    @classmethod
    def _whole_number(cls, v: Any, info: Any) -> Any:
        """Say what is wanted, not pydantic's "unable to parse string as an integer"."""
        if isinstance(v, bool) or (isinstance(v, str) and not re.fullmatch(r"\s*\d+\s*", v)) \
                or (isinstance(v, float) and not (v.is_integer() and abs(v) < 1e9)):
            wanted = "a TCP port (1 to 65535)" if info.field_name == "port" else \
                f"a number of retries from 0 to {EMAIL_MAX_RETRIES}"
            raise ValueError(f"{v!r} is not {wanted}")
        return v

    @field_validator("port")
    @classmethod
    def _port(cls, v: int) -> int:
        if not 1 <= v <= 65535:
            raise ValueError(f"{v} is not a TCP port (1 to 65535; usually 587, 465 or 25)")
        return v

    @field_validator("retries")
    @classmethod
    def _retries(cls, v: int) -> int:
        if not 0 <= v <= EMAIL_MAX_RETRIES:
            raise ValueError(f"{v:g} is not a number of retries from 0 to {EMAIL_MAX_RETRIES}")
        return v

    @field_validator("timeout", "deadline", "attempt_deadline")
    @classmethod
    def _seconds(cls, v: float) -> float:
        # `not (a < v <= b)` also refuses NaN, which compares false with everything.
        if not 0 < v <= EMAIL_MAX_SECONDS:
            raise ValueError(f"{v:g} is not a number of seconds above 0 (at most {EMAIL_MAX_SECONDS})")
        return v


MAX_BASELINE_WEEKS = 52


class ContactsSettings(_Strict):
    #: Service-level threshold in seconds (informational; the data gives answered_in_sl).
    sl_threshold_seconds: int = 20
    #: How abandoned contacts count in service level: "offered" (SL = in SL ÷ offered) or
    #: "answered" (SL = in SL ÷ answered, abandoned contacts ignored).
    sl_denominator: Literal["offered", "answered"] = "offered"
    #: Weeks before an incident whose same hours form its contact baseline: 1 to 52 (a year
    #: of weeks; 1e9 would reach past what a timestamp holds).
    baseline_weeks: int = 4

    @field_validator("baseline_weeks")
    @classmethod
    def _weeks(cls, v: int) -> int:
        if not 1 <= v <= MAX_BASELINE_WEEKS:
            raise ValueError(f"{v} is not a number of weeks from 1 to {MAX_BASELINE_WEEKS}")
        return v


class ReportSettings(_Strict):
    #: A percentage over fewer incidents than this is shown with its count in prose
    #: ("0.0 %, 0 of 1"): a small base makes a percentage misleading on its own.
    min_base: int = Field(5, ge=1)
    #: A major incident's post-incident review is due this many working days (Monday to
    #: Friday) after its resolution.
    review_working_days: int = Field(5, ge=0, le=260)
    #: A folder of PIR narratives (relative to the config file's folder) for the monthly
    #: report's action register; `--narratives DIR` wins.
    narratives: str | None = None


#: An owner role as a reader sees it ("Supplier manager"): plain text, kept short.
Role = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class Owners(_Strict):
    """Who owns a recommendation: a role per subject (a category, service, site, channel or
    resolver group, by name as the export spells it); otherwise the finding rule's own
    default role (docs/findings.md), or `default` when set."""

    default: Role | None = None
    category: dict[str, Role] = {}
    service: dict[str, Role] = {}
    site: dict[str, Role] = {}
    channel: dict[str, Role] = {}
    assignment_group: dict[str, Role] = {}


class FindingsSettings(_Strict):
    """The findings layer's settings (docs/findings.md): owner roles, review dates, thresholds."""

    owners: Owners = Field(default_factory=dict, validate_default=True)
    #: A recommendation is reviewed this many days after the period's last day (7 for the
    #: urgent ones: a major incident's impact, an overdue review, a P1 or P2 miss).
    review_days: int = Field(30, ge=1, le=366)
    urgent_review_days: int = Field(7, ge=1, le=366)
    #: How many findings lead the executive summary (at most).
    in_summary: int = Field(5, ge=1, le=10)
    #: How improbable a concentration or rise must be under the usual rate to count (a Poisson
    #: upper tail): small, so an ordinary month produces no finding.
    significance: float = Field(0.001, gt=0, le=0.5)
    #: A subject's share of the month's resolution SLA breaches that makes a concentration.
    breach_share_pct: float = Field(25.0, gt=0, le=100)
    #: How far above its own baseline (as a ratio) volume, time to resolve, customers affected
    #: or the backlog must be to count.
    baseline_ratio: float = Field(1.5, gt=1, le=100)


class ProblemSettings(_Strict):
    """How problem candidates are found (docs/metrics.md "Problem candidates")."""

    #: Incidents of one service and signature opened within `window_days` that make a cluster.
    min_count: int = Field(3, ge=2)
    window_days: int = Field(7, ge=1, le=90)
    #: A repeat: opened within this many days of the previous one's resolution (0: off).
    repeat_days: int = Field(7, ge=0, le=90)
    #: Titles whose word sets overlap at least this much (Jaccard) share a signature.
    title_similarity: float = Field(0.75, ge=0.5, le=1.0)
    #: A cluster or repeat is flagged only when its own base rate makes it this improbable.
    significance: float = Field(0.001, gt=0, le=0.5)
    #: Candidates shown in the body of the monthly report (the rest go to an appendix).
    in_body: int = Field(5, ge=0, le=50)


Priority = Literal[PRIORITIES]
#: `auto` or a name from the preset registry.
PresetName = Literal[PRESET_NAMES]


class Config(_Strict):
    organisation: Organisation = Field(default_factory=dict, validate_default=True)
    timezone: str = "UTC"
    dayfirst: bool | None = None
    missing_values: tuple[str, ...] = DEFAULT_MISSING
    priority_map: dict[str, Priority] = {}
    priority_matrix: tuple[tuple[Priority, Priority, Priority], ...] = DEFAULT_MATRIX
    calendars: dict[str, Calendar] = {}
    sla: dict[Priority, SlaTarget] = {}
    pause_states: tuple[str, ...] = ("On Hold",)
    targets: Targets = Field(default_factory=dict, validate_default=True)
    email: Email = Field(default_factory=dict, validate_default=True)
    contacts: ContactsSettings = Field(default_factory=dict, validate_default=True)
    report: ReportSettings = Field(default_factory=dict, validate_default=True)
    problems: ProblemSettings = Field(default_factory=dict, validate_default=True)
    findings: FindingsSettings = Field(default_factory=dict, validate_default=True)
    # Defaults for command-line options (the command line and CCREPORT_* still win).
    preset: PresetName | None = None
    mapping: str | None = None
    out: str | None = None
    format: str | None = None
    templates: str | None = None
    docx_template: str | None = None
    #: Folder the config file was read from; relative paths in it are resolved against this.
    base_dir: str | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone such as Europe/London") from None
        return v

    @field_validator("priority_matrix")
    @classmethod
    def _matrix(cls, v: tuple) -> tuple:
        if len(v) != 3:
            raise ValueError("the matrix needs 3 rows (impact 1-3) of 3 priorities (urgency 1-3)")
        return v

    @model_validator(mode="after")
    def _calendars_known(self) -> "Config":
        for prio, target in self.sla.items():
            if target.calendar != "24x7" and target.calendar not in self.calendars:
                known = ", ".join(["24x7", *self.calendars]) or "24x7"
                raise ValueError(
                    f"sla.{prio}.calendar: {target.calendar!r} is not defined under calendars "
                    f"(known: {known})"
                )
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def resolve_path(self, value: str | None) -> Path | None:
        """A path from the config file, relative to the config file's folder."""
        if value is None:
            return None
        p = Path(value)
        if not p.is_absolute() and self.base_dir:
            p = Path(self.base_dir) / p
        return p


#: Environment variables that override config keys (the command line still wins).
ENV_KEYS = {
    "CCREPORT_TIMEZONE": "timezone",
    "CCREPORT_PRESET": "preset",
    "CCREPORT_MAPPING": "mapping",
    "CCREPORT_OUT": "out",
    "CCREPORT_FORMAT": "format",
    "CCREPORT_TEMPLATES": "templates",
    "CCREPORT_DOCX_TEMPLATE": "docx_template",
}


def load_config(path: str | Path | None = None, *, env: dict[str, str] | None = None) -> Config:
    """Load the config: the named file, else ./ccreport.yaml if present, else defaults.

    Environment variables from ENV_KEYS are applied on top of the file.
    """
    env = dict(os.environ) if env is None else env
    data: dict[str, Any] = {}
    doc: yamlio.YamlDoc | None = None
    if path is None and env.get("CCREPORT_CONFIG"):
        path = env["CCREPORT_CONFIG"]
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = DEFAULT_CONFIG_NAME
    if path is not None:
        doc = yamlio.load(path)
        if doc.data is None:
            doc.data = {}
        if not isinstance(doc.data, dict):
            raise ConfigError(f"{path}: the config must be a mapping of keys (see the README).")
        if "base_dir" in doc.data:
            raise ConfigError(f"{path}: base_dir: unknown key; check its spelling.")
        data = dict(doc.data)
        data["base_dir"] = str(Path(path).resolve().parent)
    for var, key in ENV_KEYS.items():
        if env.get(var):
            data[key] = env[var]
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        if doc is None:
            raise ConfigError(f"environment: {err.errors()[0]['loc']}: {err.errors()[0]['msg']}") from None
        raise yamlio.pydantic_error(doc, err) from None

