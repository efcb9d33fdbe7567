"""The SLA breach list of a period, and how often the export's own SLA flag agrees.

Owns which incidents are breaches and in what order. A breach is an incident resolved in P
whose resolution SLA result is "missed", or one opened in P whose response result is "missed":
the very results, clocks and targets that resolution_sla_pct and response_sla_pct count
(sla.py times every incident once; prepared.py keeps the arrays). So the number of resolution
breaches is always resolution_sla_base minus the incidents that met the target, in total and
per priority, and no second SLA computation can drift from the percentages.

Everything is selected, measured and sorted over whole arrays; Python only runs to build the
records at the end (a million-incident month can have tens of thousands of breaches).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..period import Period
from .kernels import PRIORITY_LABELS, _where
from .model import Breach, SlaAgreement
from .prepared import _Data, _sets

RESOLUTION = "resolution"
RESPONSE = "response"
KINDS = (RESOLUTION, RESPONSE)


def breach_rows(d: _Data, p: Period) -> tuple[np.ndarray, np.ndarray]:
    """(rows, kind codes) of P's breaches, unordered: the resolved set's rows with a
    resolution result that missed (kind 0), then the opened set's with a response result that
    missed (kind 1). The populations and gates are resolution_sla_pct's and response_sla_pct's
    (definitions.py)."""
    s = _sets(d, p)
    none = np.empty(0, dtype=np.int64)
    res = _where(s.resolved, d.res_has & ~d.res_met) if d.has("resolved_at") else none
    resp = _where(s.opened, d.resp_has & ~d.resp_met) if d.has("acknowledged_at") else none
    rows = np.concatenate([res, resp]).astype(np.int64)
    kind = np.concatenate([np.zeros(len(res), dtype=np.int64), np.ones(len(resp), dtype=np.int64)])
    return rows, kind


def _texts(d: _Data, name: str, rows: np.ndarray) -> list[str | None]:
    """A text column's values at these rows as str (None when missing or not in the input)."""
    if not d.has(name):
        return [None] * len(rows)
    col = d.frame(name, rows)
    if isinstance(col.dtype, pd.CategoricalDtype):  # the grouping fields: look the codes up
        labels = np.array([str(c) for c in col.cat.categories] + [None], dtype=object)
        return labels[col.cat.codes.to_numpy()].tolist()  # code −1 (missing) picks None
    return col.astype("str").to_numpy(dtype=object, na_value=None).tolist()


def _floats(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]  # NaN → None (JSON null)


def breaches(d: _Data, p: Period) -> list[Breach]:
    """`breaches`: P's missed SLA targets, most time over target first (then resolution before
    response, then by incident ID). sla_hours is the clock the percentage judged: calendar
    time on the priority's SLA calendar minus pause time; paused_hours is None when pauses are
    not known for the input (then nothing was subtracted)."""
    rows, kind = breach_rows(d, p)
    if len(rows) == 0:
        return []
    is_res = kind == 0
    clock = np.where(is_res, d.res_clock[rows], d.resp_clock[rows])
    prio = d.prio[rows]
    target = np.where(is_res, d.res_targets[prio], d.resp_targets[prio])
    paused = np.where(is_res, d.res_pause[rows], d.resp_pause[rows])
    over = clock - target
    ids = d.frame("incident_id", rows).astype("str").to_numpy(dtype=object)
    order = np.lexsort((ids, kind, -over))  # the last key sorts first
    rows, kind, clock, target, paused, over, ids = (a[order] for a in (rows, kind, clock, target, paused, over, ids))
    cat_codes, cat_labels = d.dims["category"]
    columns = zip(
        ids.tolist(),
        _texts(d, "title", rows),
        [PRIORITY_LABELS[c] for c in d.prio[rows].tolist()],
        [cat_labels[c] for c in cat_codes[rows].tolist()],
        _texts(d, "service", rows),
        _texts(d, "assignment_group", rows),
        [KINDS[k] for k in kind.tolist()],
        target.tolist(),
        clock.tolist(),
        over.tolist(),
        _floats(paused),
    )
    return [Breach(*values) for values in columns]  # building the records, nothing else


def sla_agreement(d: _Data, p: Period) -> SlaAgreement | None:
    """`sla_agreement`: over the incidents resolved in P that have a resolution SLA result
    and the export's own flag (tool_sla_met), how many there are and how many agree. None
    when the export has no such flag. The tool's flag may judge something else (ServiceNow's
    made_sla covers the task's whole SLA), so agreement is evidence, not a check."""
    if not d.has("tool_sla_met") or not d.has("resolved_at"):
        return None
    rows = _where(_sets(d, p).resolved, d.res_has)
    flag = d.frame("tool_sla_met", rows)
    known = ~flag.isna().to_numpy()
    tool = flag.to_numpy(dtype=bool, na_value=False)
    return SlaAgreement(compared=int(known.sum()), agree=int((known & (tool == d.res_met[rows])).sum()))
