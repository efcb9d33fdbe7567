"""The ingest pipeline: read each file, map it through a preset, normalise, then collapse event
logs or drop duplicates across all files, and count everything in DataQuality."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..config import Config
from ..errors import IngestError, UsageError
from ..schema import (
    BOOL_FIELDS,
    DATETIME_FIELDS,
    DIMENSIONS,
    DONE_STATUSES,
    EVENT_FIELDS,
    EVENT_TYPES,
    FIELDS,
    FLOAT_FIELDS,
    REQUIRED,
    SECONDS_PER_DAY,
    TEXT_FIELDS,
    UNCATEGORISED,
    UNKNOWN_PRIORITY,
)
from . import arrowtext, history, normalise, readers
from .frame import TS_DTYPE, coerce, empty_events, empty_pauses
from .mapping import Mapping, load_mapping
from .presets import PRESETS, Preset, detect, find_column, header_key, missing_column_error
from .quality import DataQuality
from .result import IngestResult

log = logging.getLogger("ccreport")

_LEVEL_FIELDS = ("impact", "urgency")
#: No count of incidents, customers or contacts is larger (and Int64 must hold it).
MAX_COUNT = 10**12
_COUNT_FIELDS = ("escalation_level", "reassignment_count", "reopen_count",
                 "customers_affected", "contacts_affected")


@dataclass
class _Mapped:
    rows: pd.DataFrame  # canonical columns (normalised) + helper columns
    fields: set[str]
    preset: Preset
    history: bool
    keep_record_times: bool


def _repeat_keys(raw: readers.RawTable, source_header: str) -> list[str]:
    """Frame keys of every column whose header matches `source_header` (by header_key, so
    'opened_at' and 'Opened At' are the same column twice)."""
    want = header_key(source_header)
    return [k for h, k in zip(raw.headers, raw.frame.columns) if header_key(h) == want]


def _coalesce_repeats(raw: readers.RawTable, source_header: str) -> pd.Series:
    """A column by its original header; repeated headers (Jira) give the first non-empty."""
    keys = _repeat_keys(raw, source_header)
    col = raw.frame[keys[0]]
    for k in keys[1:]:
        other = raw.frame[k]
        empty = col.isna() | (col.astype("str").str.strip() == "")
        col = col.where(~empty, other)
    return col


#: Fields where two copies of a column cannot both be right (a Jira multi-value text field
#: repeated is not a conflict: the first value is the one used, as documented).
_SINGLE_VALUED = {"incident_id", "priority", "status", "major", "impact", "urgency", "csat",
                  *DATETIME_FIELDS, *_COUNT_FIELDS}


def _check_repeats(raw: readers.RawTable, field_: str, source_header: str, markers: set[str],
                   rows_no: pd.Series, quality: DataQuality, path: str) -> None:
    """Two columns feeding one single-valued field that disagree on a row: the first non-empty
    value is used, and the rows where they disagree are counted and listed (never silent)."""
    keys = _repeat_keys(raw, source_header)
    if len(keys) < 2 or field_ not in _SINGLE_VALUED:
        return
    cols = [_blank_missing(raw.frame[k], markers) for k in keys]
    if any(c.dtype == object for c in cols):
        return  # nested JSON values: not comparable column-wise
    if len({pd.api.types.is_datetime64_any_dtype(c) for c in cols}) > 1:
        return  # a datetime cell and a text cell: parsed (and checked) separately
    first = cols[0]
    conflict = pd.Series(False, index=raw.frame.index)
    for other in cols[1:]:
        conflict |= (first.notna() & other.notna() & (first != other)).fillna(False).astype(bool)
    n = int(conflict.sum())
    if n:
        quality.invalid_values += n
        row = int(rows_no[conflict[conflict].index[0]])
        names = list(dict.fromkeys(h for h, k in zip(raw.headers, raw.frame.columns) if k in keys))
        which = (f"the {len(keys)} columns named {names[0]!r}" if len(names) == 1
                 else "columns " + " and ".join(repr(h) for h in names))
        quality.add(row, field_, f"{which} disagree on {n} row(s) (first: row {row}); "
                    "the first non-empty value was used", path)


def _blank_missing(col: pd.Series, markers: set[str]) -> pd.Series:
    """Trimmed text with missing markers as NA; datetimes and JSON lists/objects untouched."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    if col.dtype == object and col.map(lambda v: isinstance(v, (list, dict))).any():
        return col  # nested JSON (object columns of small API exports only)
    return arrowtext.clean(col, markers)


#: Low-cardinality fields worth dictionary-encoding while reading.
_DICTIONARY_FIELDS = (*DIMENSIONS, "subcategory", "configuration_item", "priority", "status", "impact", "urgency", "major")


#: Fields that identify or group incidents: an invisible character (zero-width space, BOM,
#: direction mark) in one would make "INC1" four incidents or "Telephony" two categories, so
#: it is removed and the change counted (arrowtext.strip_invisible).
_KEY_FIELDS = ("incident_id", *DIMENSIONS, "subcategory", "configuration_item", "priority", "status", "impact", "urgency",
               "problem_id")
_INVISIBLE_NOTE = "held invisible characters (zero-width, byte-order or direction marks); they were removed"


#: Fields pyarrow may parse while reading (ISO timestamps, numbers).
_TYPED_FIELDS = (*DATETIME_FIELDS, *_COUNT_FIELDS, *FLOAT_FIELDS)


def _headers_for(headers: list[str], preset_name: str, mapping: Mapping | None,
                 fields: tuple[str, ...]) -> set[str]:
    """The source headers of `fields`, for the preset this file will use."""
    if preset_name == "auto":
        preset = PRESETS[mapping.preset] if mapping and mapping.preset else detect(headers)
    else:
        preset = PRESETS[preset_name]
    by_key: dict[str, str] = {}
    for h in headers:
        by_key.setdefault(header_key(h), h)
    out = set()
    for field_ in fields:
        cands = (mapping.columns[field_],) if mapping and field_ in mapping.columns else preset.columns.get(field_, ())
        hit = find_column(by_key, cands)
        if hit is not None:
            out.add(hit)
    if mapping and "state" in mapping.columns and fields is _DICTIONARY_FIELDS:
        hit = find_column(by_key, (mapping.columns["state"],))
        if hit is not None:
            out.add(hit)
    return out


def _map_file(path: str, config: Config, preset_name: str, mapping: Mapping | None,
              sheet: str | None, quality: DataQuality) -> _Mapped:
    raw = readers.read(path, sheet,
                       dictionary=lambda headers: _headers_for(headers, preset_name, mapping, _DICTIONARY_FIELDS),
                       typed=lambda headers: _headers_for(headers, preset_name, mapping, _TYPED_FIELDS),
                       markers=tuple(config.missing_values))
    n = len(raw.frame)
    quality.rows_read += n
    # Bytes the reader removed or replaced to read the file (NULs, bytes that are not text)
    # are listed and count for --strict.
    quality.invalid_values += raw.repaired
    for row, header, problem in raw.repairs:
        quality.add(row, header, problem, path)
    rows_no = raw.rows()
    if preset_name == "auto":
        preset = PRESETS[mapping.preset] if mapping and mapping.preset else detect(raw.headers)
        log.info("%s: detected preset %s", path, preset.name)
    else:
        preset = PRESETS[preset_name]
    by_key: dict[str, str] = {}
    for h in raw.headers:
        by_key.setdefault(header_key(h), h)
    columns = dict(preset.columns)
    extra_columns: dict[str, str] = {}
    if mapping:
        for field_, source in mapping.columns.items():
            if header_key(source) not in by_key:
                raise IngestError(
                    f"{path}: the mapping names column {source!r} for {field_!r}, but the file "
                    f"has no such column; columns found: {', '.join(raw.headers[:20])}."
                )
            if field_ in FIELDS:
                columns[field_] = (source,)
            else:
                extra_columns[field_] = source
    states = {**preset.states, **({k.strip().lower(): v for k, v in mapping.states.items()} if mapping else {})}
    priorities = {**preset.priorities, **config.priority_map, **(mapping.priorities if mapping else {})}

    source: dict[str, str] = {}
    for field_, cands in columns.items():
        hit = find_column(by_key, cands)
        if hit is not None:
            source[field_] = hit
    # Event-log (history) mode: a mapping with event_time + state, or a tool's own event log.
    hist_time = hist_seq = None
    is_history = keep_record = False
    if mapping and mapping.is_history:
        is_history = True
        hist_time = by_key[header_key(extra_columns["event_time"])]
        hist_seq = by_key.get(header_key(extra_columns.get("sequence", ""))) if "sequence" in extra_columns else None
        source["status"] = by_key[header_key(extra_columns["state"])]
    elif preset.event_log:
        t = find_column(by_key, preset.event_log[0])
        s = find_column(by_key, preset.event_log[1])
        if t and s and "incident_id" in source:
            ids = raw.frame[source["incident_id"]] if source["incident_id"] in raw.frame else None
            if ids is not None and ids.duplicated().any():
                is_history = keep_record = True
                hist_time, hist_seq = t, s
    required = ("incident_id",) if is_history and not keep_record else REQUIRED
    for field_ in required:
        if field_ not in source:
            raise missing_column_error(path, field_, raw.headers, preset)

    markers = set(config.missing_values)
    for f, h in source.items():
        _check_repeats(raw, f, h, markers, rows_no, quality, path)
    # Timestamp and number columns are trimmed and cleared of missing markers by their own
    # parsers (one pass instead of two on the largest columns).
    own_parser = set(DATETIME_FIELDS) | set(_COUNT_FIELDS) | set(FLOAT_FIELDS)
    cols: dict[str, pd.Series] = {
        f: (_coalesce_repeats(raw, h) if f in own_parser else _blank_missing(_coalesce_repeats(raw, h), markers))
        for f, h in source.items()
    }
    for f in cols:
        cols[f] = _nested_as_text(cols[f], f, markers, own_parser, rows_no, quality, path)
    for f in _KEY_FIELDS:
        if f in cols and f not in own_parser:
            cleaned, changed = arrowtext.strip_invisible(
                cols[f], arrowtext.INVISIBLE_IN_IDS if f == "incident_id" else arrowtext.INVISIBLE)
            _report(changed, rows_no, f, _INVISIBLE_NOTE, cols[f], quality, path)
            cols[f] = cleaned
    rows = pd.DataFrame(index=raw.frame.index)
    fields = set(source)

    # Timestamps: decide day-first per column from evidence, then parse.
    ts_cols = {f: cols[f] for f in DATETIME_FIELDS if f in cols}
    if hist_time:
        ts_cols["_event_time"] = _coalesce_repeats(raw, hist_time)
    # Some tools' APIs answer in UTC whatever the display timezone (Preset.utc_json_roots).
    tz = "UTC" if raw.json_root is not None and raw.json_root in preset.utc_json_roots else config.timezone
    # ISO columns parse on the fast path; only the others need day-first evidence.
    general = {}
    for f, c in ts_cols.items():
        fast = normalise.parse_iso_fast(c, tz, quality, f.lstrip("_"), rows_no, path, markers)
        if fast is not None:
            rows[f] = fast
        else:
            general[f] = _blank_missing(c, markers)
    evidence = {}
    for f, c in general.items():
        ev = normalise.numeric_date_evidence(c, rows_no)
        if ev is not None:
            evidence[f] = ev
    dayfirst = normalise.decide_dayfirst(evidence, config.dayfirst, path, quality)
    for f, c in general.items():
        rows[f] = normalise.parse_timestamps(c, field=f.lstrip("_"), tz=tz,
                                             dayfirst=dayfirst.get(f, True), quality=quality,
                                             rows=rows_no, file=path)

    # Every timestamp parser has already set aside times outside 1970–2099 (Excel's zero date,
    # a year typed as 2106) and reported them.
    # Times a tool gives in other shapes (an acknowledgements list, seconds after opening,
    # the last status change), as its preset declares them.
    _derived_times(preset, raw, by_key, rows, cols, fields, quality, rows_no, path, markers)

    for f in TEXT_FIELDS:
        if f in cols:
            rows[f] = cols[f]
    if "status" in cols:
        raw_state = cols["status"]
        rows["status"] = normalise.normalise_status(raw_state, states)
        unknown = raw_state.notna() & rows["status"].isna()
        quality.invalid_values += int(unknown.sum())
        for label in pd.unique(raw_state[unknown])[:5]:
            first = rows_no[unknown & (raw_state == label)].iloc[0]
            quality.add(int(first), "status", f"unknown state {str(label)[:40]!r}; status inferred from the timestamps", path)
        if is_history:
            rows[history.RAW_STATE] = raw_state
    levels = preset.levels or {}
    for f in _LEVEL_FIELDS:
        if f in cols:
            rows[f] = normalise.normalise_level(cols[f], levels)
    for f in _COUNT_FIELDS + FLOAT_FIELDS:
        if f in cols and f not in rows:
            num, bad = normalise.normalise_number(cols[f], markers)
            _report(bad, rows_no, f, "is not a number; left empty", cols[f], quality, path)
            if f in _COUNT_FIELDS:
                # 1e400 or "inf" would wrap round to a huge negative Int64.
                checks = [(num < 0, "is negative; left empty"),
                          (num > MAX_COUNT, "is too large to be a count; left empty")]
            else:  # csat
                checks = [(~num.between(1, 5) & num.notna(), "is outside 1–5; left empty")]
            for test, what in checks:
                out = pd.Series(test.to_numpy(dtype=bool, na_value=False), index=num.index)
                if out.any():
                    _report(out, rows_no, f, what, cols[f], quality, path)
                    num = num.where(~out)
            rows[f] = num
    for f in BOOL_FIELDS:  # major, tool_sla_met
        if f in cols:
            val, bad = normalise.normalise_bool(cols[f], any_text_true=f == "major" and preset.major_any_text)
            _report(bad, rows_no, f, "is not true/false; left empty", cols[f], quality, path)
            rows[f] = val
    rows["priority"] = normalise.normalise_priority(
        cols.get("priority", pd.Series(None, index=rows.index, dtype=object)),
        rows["impact"] if "impact" in rows else pd.Series(pd.NA, index=rows.index),
        rows["urgency"] if "urgency" in rows else pd.Series(pd.NA, index=rows.index),
        config.priority_matrix, priorities,
    )
    if "priority" in cols or ("impact" in cols and "urgency" in cols):
        fields.add("priority")
    if is_history:
        seq = pd.to_numeric(_coalesce_repeats(raw, hist_seq), errors="coerce") if hist_seq else pd.Series(np.nan, index=rows.index)
        rows[history.EVENT_SEQ] = seq
        if "level" in extra_columns:
            rows[history.LEVEL] = pd.to_numeric(_coalesce_repeats(raw, by_key[header_key(extra_columns["level"])]), errors="coerce")
    rows["_row"] = rows_no.to_numpy()
    rows["_file"] = path

    # Rejected rows: no ID, or (outside history mode) no readable opened_at.
    bad_id = rows["incident_id"].isna()
    bad_open = rows["opened_at"].isna() if "opened_at" in rows and not (is_history and not keep_record) else pd.Series(False, index=rows.index)
    if is_history and hist_time:
        bad_open = bad_open & rows["_event_time"].isna() if keep_record else rows["_event_time"].isna()
    rejected = bad_id | bad_open
    if rejected.any():
        quality.rows_rejected += int(rejected.sum())
        for i in rejected[rejected].index[:20]:
            what = "incident_id" if bad_id[i] else ("opened_at" if "opened_at" in rows else "event_time")
            quality.add(int(rows_no[i]), what, "missing or unreadable; the row was skipped", path)
        rows = rows[~rejected]
    if is_history:
        rows = rows.rename(columns={"_event_time": history.EVENT_TIME})
        fields |= {"opened_at", "acknowledged_at", "resolved_at", "closed_at", "reopen_count"}
        if history.LEVEL in rows:
            fields |= {"escalated_at", "escalation_level"}
    return _Mapped(rows, fields, preset, is_history, keep_record)


def _nested_as_text(col: pd.Series, field_: str, markers: set[str], own_parser: set[str],
                    rows_no: pd.Series, quality: DataQuality, path: str) -> pd.Series:
    """A JSON list or object where a field expects one value (`"incident_id": [1, 2]`) is read
    as its JSON text and listed (it counts for --strict); the rest of such a column becomes
    text the way the JSON reader writes it."""
    if col.dtype != object:
        return col
    nested = col.map(lambda v: isinstance(v, (list, dict))).astype(bool)
    if not nested.any():
        return col
    text = col.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else
                   json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (list, dict)) else
                   str(int(v)) if isinstance(v, float) and v.is_integer() else
                   "true" if v is True else "false" if v is False else str(v)).astype("str")
    _report(nested, rows_no, field_, "is a list or object where one value was expected; read as text",
            text, quality, path)
    return text if field_ in own_parser else _blank_missing(text, markers)


def _report(bad: pd.Series, rows_no: pd.Series, field_: str, what: str, values: pd.Series,
            quality: DataQuality, path: str) -> None:
    if not bad.any():
        return
    quality.invalid_values += int(bad.sum())
    for i in bad[bad].index[:5]:
        quality.add(int(rows_no[i]), field_, f"{str(values[i])[:40]!r} {what}", path)
    n = int(bad.sum())
    if n > 5:
        quality.add(None, field_, f"{n - 5} more values {what}", path)


def _derived_times(preset: Preset, raw: readers.RawTable, by_key: dict[str, str], rows: pd.DataFrame,
                   cols: dict[str, pd.Series], fields: set[str], quality: DataQuality, rows_no: pd.Series,
                   path: str, markers: set[str]) -> None:
    """Timestamps from the columns a preset declares for them (PagerDuty's API export gives
    acknowledgements as a list, response times as seconds, and the last status change)."""
    frame = raw.frame
    opened = rows.get("opened_at")
    acks = preset.acknowledgements_list
    if acks and acks in frame.columns and "acknowledged_at" not in rows:
        first_ack = frame[acks].map(
            lambda v: v[0].get("at") if isinstance(v, list) and v and isinstance(v[0], dict) else None)
        rows["acknowledged_at"] = normalise.parse_timestamps(first_ack, field="acknowledged_at", tz="UTC",
                                                             dayfirst=True, quality=quality, rows=rows_no, file=path)
        fields.add("acknowledged_at")
    for col_name, target in preset.seconds_after_opened:
        key = find_column(by_key, (col_name,))
        if key and opened is not None:
            secs, bad = normalise.normalise_number(_blank_missing(frame[key], markers))
            # Beyond ten years is not a response time (and would overflow the timestamp).
            bad = bad | (secs.notna() & ~secs.between(0, 10 * 365 * SECONDS_PER_DAY)).fillna(False).astype(bool)
            _report(bad, rows_no, col_name, "is not a number of seconds from 0 to 10 years; left empty",
                    frame[key], quality, path)
            secs = secs.where(~bad)
            derived = normalise.drop_implausible(opened + pd.to_timedelta(secs.astype("float64"), unit="s"),
                                                 field=target, quality=quality, rows=rows_no, file=path)
            rows[target] = rows[target].where(rows[target].notna(), derived) if target in rows else derived.astype(TS_DTYPE)
            fields.add(target)
    key = find_column(by_key, (preset.resolved_at_last_change,)) if preset.resolved_at_last_change else None
    if key and "status" in cols and "resolved_at" not in rows:
        changed = normalise.parse_timestamps(_blank_missing(frame[key], markers), field="resolved_at", tz="UTC",
                                             dayfirst=True, quality=quality, rows=rows_no, file=path)
        resolved = cols["status"].astype("str").str.lower().eq("resolved")
        rows["resolved_at"] = changed.where(resolved.to_numpy())
        fields.add("resolved_at")


def _finish(frame: pd.DataFrame, quality: DataQuality) -> pd.DataFrame:
    """Rules applied after collapsing, over the whole input (SPEC §3.2, §4 data quality)."""
    status = frame["status"] if "status" in frame else pd.Series(None, index=frame.index, dtype=object)
    if not isinstance(status.dtype, pd.CategoricalDtype):  # several files, an event log, no column
        status = status.astype("category")
    # Missing or unknown status: infer from the timestamps.
    missing = status.isna().to_numpy()
    if missing.any():
        inferred = np.where(frame.get("closed_at", pd.Series(pd.NaT, index=frame.index)).notna(), "Closed",
                            np.where(frame.get("resolved_at", pd.Series(pd.NaT, index=frame.index)).notna(), "Resolved", "New"))
        inferred = inferred[missing]
        status = status.cat.add_categories(sorted(set(inferred) - set(status.cat.categories)))
        status[missing] = inferred
    frame["status"] = status = normalise.compact(status)
    if "closed_at" in frame:
        done = status.isin(DONE_STATUSES)
        need = done & frame["resolved_at"].isna() & frame["closed_at"].notna() if "resolved_at" in frame else done & frame["closed_at"].notna()
        if need.any():
            if "resolved_at" not in frame:
                frame["resolved_at"] = pd.Series(pd.NaT, index=frame.index, dtype=TS_DTYPE)
            frame.loc[need, "resolved_at"] = frame.loc[need, "closed_at"]
            quality.resolved_from_closed += int(need.sum())
    if "resolved_at" in frame:
        neg = frame["resolved_at"] < frame["opened_at"]
        neg = neg.fillna(False)
        quality.negative_durations += int(neg.sum())
        for i in neg[neg].index[:5]:
            quality.add(_int(frame.at[i, "_row"]), "resolved_at",
                        f"{frame.at[i, 'incident_id']}: resolved before it was opened; excluded from durations",
                        frame.at[i, "_file"])
    unknown = frame["priority"].eq(UNKNOWN_PRIORITY)
    quality.unknown_priority += int(unknown.sum())
    for i in unknown[unknown].index[:5]:
        quality.add(_int(frame.at[i, "_row"]), "priority",
                    f"{frame.at[i, 'incident_id']}: no recognisable priority; counted as Unknown",
                    frame.at[i, "_file"])
    if "category" in frame:
        cat = frame["category"]
        if isinstance(cat.dtype, pd.CategoricalDtype) and UNCATEGORISED not in cat.cat.categories:
            cat = cat.cat.add_categories([UNCATEGORISED])
        frame["category"] = cat.fillna(UNCATEGORISED)
    else:
        frame["category"] = UNCATEGORISED
    return frame


def _ids_unique(ids: pd.Series) -> bool:
    """Whether no incident ID repeats. Most exports are sorted by number, and IDs in strictly
    rising (or falling) order are unique: one comparison pass instead of hashing them all;
    is_unique (still half the time duplicated() takes) answers the rest."""
    arr = getattr(ids.array, "_pa_array", None)
    if arr is not None and len(arr) > 1 and arr.null_count == 0:
        head, tail = arr.slice(0, len(arr) - 1), arr.slice(1)
        if pc.all(pc.less(head, tail)).as_py() or pc.all(pc.greater(head, tail)).as_py():
            return True
    return ids.is_unique


def _int(v) -> int | None:
    return None if pd.isna(v) else int(v)


def load(
    paths: list[str | Path],
    config: Config,
    preset: str = "auto",
    mapping: str | Path | Mapping | None = None,
    sheet: str | None = None,
) -> IngestResult:
    """Read, normalise and combine export files into one IngestResult."""
    if not paths:
        raise UsageError("no input files; name one or more incident exports.")
    if preset != "auto" and preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; use one of auto, {', '.join(PRESETS)}.")
    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(mapping)
    quality = DataQuality()
    parts = [_map_file(str(p), config, preset, mapping, sheet, quality) for p in paths]
    names = sorted({m.preset.name for m in parts})
    fields = set().union(*(m.fields for m in parts))
    rows = pd.concat([m.rows for m in parts], ignore_index=True) if len(parts) > 1 else parts[0].rows.reset_index(drop=True)
    if rows.empty:
        raise IngestError(f"{', '.join(str(p) for p in paths)}: no incident could be read "
                          f"({quality.rows_rejected} rows rejected); see `ccreport validate`.")
    is_history = any(m.history for m in parts)
    events, pauses = empty_events(), empty_pauses()
    if is_history:
        if history.EVENT_TIME not in rows:
            rows[history.EVENT_TIME] = rows["opened_at"]
        if history.RAW_STATE not in rows:
            rows[history.RAW_STATE] = rows["status"]
        if history.EVENT_SEQ not in rows:
            rows[history.EVENT_SEQ] = np.nan
        for f in ("opened_at", "acknowledged_at", "resolved_at", "closed_at", "escalated_at"):
            if f not in rows:
                rows[f] = pd.Series(pd.NaT, index=rows.index, dtype=TS_DTYPE)
        if "reopen_count" not in rows:
            rows["reopen_count"] = np.nan
        rows["incident_id"] = rows["incident_id"].astype("str")
        frame, events, pauses = history.collapse(rows, config.pause_states,
                                                 keep_record_times=any(m.keep_record_times for m in parts))
        log.info("event log: %d rows collapsed to %d incidents", len(rows), len(frame))
    else:
        dup = (pd.Series(False, index=rows.index) if _ids_unique(rows["incident_id"])
               else rows["incident_id"].duplicated(keep="last"))
        if dup.any():
            quality.duplicates += int(dup.sum())
            for i in dup[dup].index[:5]:
                quality.add(_int(rows.at[i, "_row"]), "incident_id",
                            f"{rows.at[i, 'incident_id']}: duplicate; the last row was kept", rows.at[i, "_file"])
            rows = rows[~dup]
        frame = rows.reset_index(drop=True)
    frame = _finish(frame, quality)
    quality.incidents = len(frame)
    incidents = coerce(frame)
    del frame, rows, parts
    readers.release_memory()  # the raw columns just freed: back to the system before metrics
    fields |= {"incident_id", "opened_at", "status", "category"}
    return IngestResult(
        incidents=incidents, events=events, pauses=pauses, quality=quality,
        preset=names[0] if len(names) == 1 else "+".join(names),
        fields=frozenset(f for f in fields if f in FIELDS), pauses_known=is_history,
    )


def _report_unknown_states(types: pd.Series, text: pd.Series, config: Config, rows_no: pd.Series,
                           quality: DataQuality, path: str) -> None:
    """A `state` event whose text is no known status and no pause state (a typo such as
    "On Hlod") still ends the state before it, so it moves the SLA clock: each such label is
    listed with its count and first row, and counts for --strict."""
    states = types.eq("state") & text.notna()
    if not states.any():
        return
    label = text[states].astype("str").str.strip()
    status = normalise.normalise_status(label, {})
    paused = history._is_pause(status, label, config.pause_states)
    unknown = status.isna().to_numpy() & ~paused.to_numpy()
    if not unknown.any():
        return
    bad = label[unknown]
    quality.invalid_values += len(bad)
    counts = bad.value_counts(sort=False)
    for value, n in list(counts.items())[:20]:
        first = int(rows_no[bad.index[bad.eq(value).to_numpy()][0]])
        quality.add(first, "state", f"unknown state {str(value)[:40]!r} in {n} event{'s' if n > 1 else ''} "
                    "(not a status or a pause state); it still ends the state before it, so check its spelling",
                    path)


def load_events(path: str | Path, config: Config, result: IngestResult | None = None) -> pd.DataFrame:
    """Read an --events CSV (incident_id, timestamp, type, text[, author, audience]).

    When `result` is given, its events and pauses are extended in place (state rows feed the
    SLA pause intervals) and `pauses_known` is set.
    """
    raw = readers.read(path)
    by_key = {header_key(h): k for h, k in zip(raw.headers, raw.frame.columns)}
    by_key = {k: v for k, v in by_key.items()}
    for name in EVENT_FIELDS:
        if header_key(name) in by_key:
            by_key[name] = by_key[header_key(name)]
    for need in ("incident_id", "timestamp", "type"):
        if need not in by_key:
            raise IngestError(f"{path}: required column {need!r} not found; an events file needs "
                              f"incident_id, timestamp, type, text[, author, audience].")
    f = raw.frame
    markers = set(config.missing_values)
    quality = DataQuality()
    rows_no = raw.rows()
    ts = normalise.parse_timestamps(_blank_missing(f[by_key["timestamp"]], markers), field="timestamp",
                                    tz=config.timezone, dayfirst=config.dayfirst if config.dayfirst is not None else True,
                                    quality=quality, rows=rows_no, file=str(path))
    if quality.unparsed_timestamps:
        first = quality.issues[0]
        raise IngestError(f"{path}: row {first.row}: timestamp: {first.problem}; fix it and run again.")
    types = f[by_key["type"]].astype("str").str.strip().str.lower()
    bad = ~types.isin(EVENT_TYPES)
    if bad.any():
        i = bad[bad].index[0]
        raise IngestError(f"{path}: row {rows_no[i]}: type {types[i]!r} is not one of {', '.join(EVENT_TYPES)}.")
    def opt(name: str) -> pd.Series:
        return _blank_missing(f[by_key[name]], markers) if name in by_key else pd.Series(None, index=f.index, dtype=object)
    ids = _blank_missing(f[by_key["incident_id"]], markers)
    ids, changed = arrowtext.strip_invisible(ids, arrowtext.INVISIBLE_IN_IDS)
    _report(changed, rows_no, "incident_id", _INVISIBLE_NOTE, f[by_key["incident_id"]], quality, str(path))
    text = opt("text")
    _report_unknown_states(types, text, config, rows_no, quality, str(path))
    events = pd.DataFrame({
        "incident_id": ids.astype("str"),
        "timestamp": ts, "type": types.astype("str"), "text": text,
        "author": opt("author"), "audience": opt("audience"),
    })
    events = events.sort_values(["incident_id", "timestamp"], kind="stable").reset_index(drop=True)
    if result is not None:
        result.quality.merge(quality)
        result.events = pd.concat([result.events, events], ignore_index=True).sort_values(
            ["incident_id", "timestamp"], kind="stable").reset_index(drop=True)
        states = events[events["type"] == "state"]
        if len(states):
            status = normalise.normalise_status(states["text"], {})
            inc = result.incidents.set_index("incident_id")
            end_of = inc["resolved_at"].fillna(inc["closed_at"])
            extra = history.pause_intervals(states["incident_id"], states["timestamp"], status,
                                            states["text"], config.pause_states, end_of=end_of)
            result.pauses = pd.concat([result.pauses, extra], ignore_index=True) if len(result.pauses) else extra
            result.pauses_known = True
    return events
