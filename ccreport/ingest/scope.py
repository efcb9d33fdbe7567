"""`--where FIELD=VALUE`: an ingest result restricted to the incidents with given values.

A condition names a grouping field (a canonical dimension, `priority`, or a custom field of
the mapping file) and one value. Values match ignoring case and surrounding spaces; the
label missing values are grouped under ("Not recorded", or "Uncategorised" for category)
selects the incidents without one. Several values of one field are alternatives (region=North
or region=South); conditions on different fields must all hold. Events and pause intervals
follow their incidents; the data-quality report still describes the whole export as read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..schema import NOT_RECORDED, UNCATEGORISED

if TYPE_CHECKING:
    from .result import IngestResult


def parse_condition(text: str) -> tuple[str, str]:
    """'region=North' -> ('region', 'North'); a usage error for anything else."""
    field, sep, value = text.partition("=")
    field, value = field.strip().lower(), value.strip()
    if not sep or not field:
        raise UsageError(f"--where {text!r}: write FIELD=VALUE, e.g. --where site=Leeds.")
    return field, value


def filter_fields(result: IngestResult) -> tuple[str, ...]:
    """The fields `--where` can name for this result."""
    return ("priority", *result.dimensions)


def grouped(conditions: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> dict[str, list[str]]:
    """{field: [values]} in the order given (repeats of one value dropped)."""
    out: dict[str, list[str]] = {}
    for field, value in conditions:
        values = out.setdefault(field, [])
        if value.casefold() not in {v.casefold() for v in values}:
            values.append(value)
    return out


def restrict(result: IngestResult, conditions: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> IngestResult:
    """The incidents (with their events and pauses) that meet every condition.

    Unknown fields, fields the export lacks and values no incident has are usage errors
    naming the choices (a typo must not give an empty report that looks like a quiet month)."""
    if not conditions:
        return result
    import numpy as np

    choices = filter_fields(result)
    inc = result.incidents
    keep = np.ones(len(inc), dtype=bool)
    scope: list[tuple[str, tuple[str, ...]]] = []
    for field, values in grouped(conditions).items():
        if field not in choices:
            raise UsageError(f"--where {field}=...: {field!r} is not a field to filter by; use one of "
                             f"{', '.join(choices)}.")
        if field not in result.extras and field not in result.fields and field != "category":
            raise UsageError(f"--where {field}=...: the export has no {field.replace('_', ' ')} column.")
        missing_label = UNCATEGORISED if field == "category" else NOT_RECORDED
        labels = inc[field].astype("object").where(inc[field].notna(), missing_label).astype(str)
        folded = labels.str.strip().str.casefold()
        spelled = dict(zip(folded, labels.str.strip()))  # the export's own spelling, for titles
        present = set(spelled)
        hit = np.zeros(len(inc), dtype=bool)
        for value in values:
            key = (value or missing_label).casefold()
            if key not in present:
                seen = sorted(set(labels.str.strip()))
                shown = ", ".join(seen[:12]) + (f" and {len(seen) - 12} more" if len(seen) > 12 else "")
                raise UsageError(f"--where {field}={value}: no incident in the export has that value; "
                                 f"values found: {shown}.")
            hit |= (folded == key).to_numpy()
        keep &= hit
        scope.append((field, tuple(dict.fromkeys(spelled[(v or missing_label).casefold()] for v in values))))
    ids = set(inc.loc[keep, "incident_id"])
    return replace(
        result,
        incidents=inc[keep].reset_index(drop=True),
        events=result.events[result.events["incident_id"].isin(ids)].reset_index(drop=True),
        pauses=result.pauses[result.pauses["incident_id"].isin(ids)].reset_index(drop=True),
        scope=(*result.scope, *scope),
        unscoped=result.unscoped if result.unscoped is not None else inc,
    )


def scope_label(scope: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, str] | None:
    """(fields, values) wording of a restriction for a document's title, e.g.
    ("region", "North or South"); None when unrestricted."""
    if not scope:
        return None
    fields = ", ".join(f.replace("_", " ") for f, _ in scope)
    values = ", ".join(" or ".join(v) for _, v in scope)
    return fields, values
