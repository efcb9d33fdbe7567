"""`--mapping FILE`: a YAML column map for exports no preset knows (SPEC §3.1).

    columns: {canonical_field: source column, event_time: ..., state: ..., level: ...}
    extra: {custom_field: source column}   # e.g. {region: Region, client: "Client Name"}
    states: {source state: canonical status}
    priorities: {source label: P1}
    levels: {support tier label: tier number}        (history exports with a `level` column)
    pause_states: [source or canonical state, ...]   (added to the config's pause_states)

A mapping may hold only `states:` (or only `priorities:`): the detected preset's columns are
used and the labels added to its vocabulary.

A custom field (`extra:`) is kept as a grouping dimension: `metrics --by`, `monthly
--split-by`, `--where FIELD=VALUE` and the `by_extra` breakdowns of the full metrics JSON.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import yamlio
from ..schema import FIELDS, PRIORITIES, STATUSES

HISTORY_KEYS = ("event_time", "state", "level", "sequence")
#: A custom field's name: lower case, a letter first, then letters, digits or underscores.
EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Names a custom field cannot take: canonical fields, history keys, the other `--by` views
#: and the keys of the metrics JSON a breakdown sits beside.
RESERVED = frozenset({*FIELDS, *HISTORY_KEYS, "totals", "trend", "breaches", "groups", "extra",
                      "period", "previous", "baseline", "weekly", "ageing", "contacts", "coverage"})


def extra_name_problem(name: str) -> str | None:
    """Why `name` cannot be a custom field (None: it can)."""
    if not EXTRA_NAME.match(name):
        return (f"{name!r} is not a usable field name; use lower-case letters, digits and underscores, "
                "starting with a letter (at most 40), e.g. region or line_of_business")
    if name in RESERVED:
        what = "a canonical field" if name in FIELDS or name in HISTORY_KEYS else "a reserved name"
        return f"{name!r} is {what}; map it under `columns:` or choose another name"
    return None


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = Field(default_factory=dict)
    #: Custom fields: {name: source column}, kept as grouping dimensions.
    extra: dict[str, str] = Field(default_factory=dict)
    states: dict[str, str] = Field(default_factory=dict)
    priorities: dict[str, str] = Field(default_factory=dict)
    #: Support-tier labels -> tier numbers (1 = first line), for a history `level` column.
    levels: dict[str, int] = Field(default_factory=dict)
    #: States that stop the SLA clock, on top of the config's `pause_states`.
    pause_states: tuple[str, ...] = ()
    #: The preset this mapping extends (default: the one detected, else canonical).
    preset: str | None = None

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if key not in FIELDS and key not in HISTORY_KEYS:
                raise ValueError(
                    f"{key!r} is not a canonical field; use one of: {', '.join(FIELDS)} "
                    f"(or {', '.join(HISTORY_KEYS)} for history exports); list other columns under `extra:`"
                )
        return v

    @field_validator("extra")
    @classmethod
    def _extra_names(cls, v: dict[str, str]) -> dict[str, str]:
        for key, source in v.items():
            problem = extra_name_problem(key)
            if problem:
                raise ValueError(problem)
            if not source.strip():
                raise ValueError(f"{key!r} names no column")
        return v

    @field_validator("states")
    @classmethod
    def _known_states(cls, v: dict[str, str]) -> dict[str, str]:
        for label, status in v.items():
            if status not in STATUSES:
                raise ValueError(f"{label!r} maps to {status!r}, which is not one of {', '.join(STATUSES)}")
        return v

    @field_validator("priorities")
    @classmethod
    def _known_priorities(cls, v: dict[str, str]) -> dict[str, str]:
        for label, p in v.items():
            if p not in PRIORITIES:
                raise ValueError(f"{label!r} maps to {p!r}, which is not one of P1–P5")
        return v

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, v: dict[str, int]) -> dict[str, int]:
        for label, n in v.items():
            if not 0 <= n <= 99:
                raise ValueError(f"{label!r} maps to {n}, which is not a tier number from 0 to 99")
        return v

    @property
    def is_history(self) -> bool:
        return "event_time" in self.columns and "state" in self.columns


def load_mapping(path: str | Path) -> Mapping:
    doc = yamlio.load(path)
    if not isinstance(doc.data, dict):
        raise yamlio.ConfigError(f"{path}: a mapping file must hold `columns:` (see the README).")
    columns = doc.data.get("columns")
    if isinstance(columns, dict):
        for key in columns:
            if key not in FIELDS and key not in HISTORY_KEYS:
                line = doc.line_of(("columns", key))
                raise yamlio.ConfigError(
                    f"{path} line {line}: columns.{key}: {key!r} is not a canonical field; use one of "
                    f"{', '.join(FIELDS)} (or {', '.join(HISTORY_KEYS)} for history exports); "
                    "list other columns under `extra:` (e.g. extra: {region: Region})."
                )
    extra = doc.data.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise yamlio.ConfigError(f"{path} line {doc.line_of(('extra',))}: extra: give custom fields as "
                                 "name: source column (e.g. extra: {region: Region}).")
    for key, source in (extra or {}).items():
        problem = extra_name_problem(str(key))
        if problem is None and (isinstance(source, (dict, list)) or source is None or not str(source).strip()):
            problem = f"{key!r} must name one source column"
        if problem:
            raise yamlio.ConfigError(f"{path} line {doc.line_of(('extra', key))}: extra.{key}: {problem}.")
    data = {k: ({str(a): str(b) for a, b in v.items()} if isinstance(v, dict) else v) for k, v in doc.data.items()}
    try:
        return Mapping.model_validate(data)
    except ValidationError as err:
        raise yamlio.pydantic_error(doc, err) from None
