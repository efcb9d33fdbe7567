"""The ingest pipeline: read each file, map it through a preset, normalise, then collapse event
logs or drop duplicates across all files, and count everything in DataQuality."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
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
from . import arrowtext, history, normalise, plan, readers
from .frame import TS_DTYPE, coerce, empty_events, empty_pauses
from .mapping import Mapping, load_mapping
from .presets import PRESETS, Preset, detect, find_column, header_key, missing_column_error
from .quality import DataQuality
from .result import IngestResult

log = logging.getLogger("ccreport")

_LEVEL_FIELDS = ("impact", "urgency")
#: No count of incidents, customers or contacts is larger (and Int64 must hold it).
MAX_COUNT = 10**12
_COUNT_FIELDS = plan.COUNT_FIELDS


@dataclass
class _Mapped:
    rows: pd.DataFrame  # canonical columns (normalised) + helper columns
    fields: set[str]
    preset: Preset
    history: bool
    keep_record_times: bool
    #: Priority labels read through a reported built-in word: label -> (P, other labels of
    #: the file read as the same P).
    priority_words: dict[str, tuple[str, tuple[str, ...]]] | None = None


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


#: Fields that identify or group incidents: an invisible character (zero-width space, BOM,
#: direction mark) in one would make "INC1" four incidents or "Telephony" two categories, so
#: it is removed and the change counted (arrowtext.strip_invisible).
_KEY_FIELDS = ("incident_id", *DIMENSIONS, "subcategory", "configuration_item", "priority", "status", "impact", "urgency",
               "problem_id")
_INVISIBLE_NOTE = "held invisible characters (zero-width, byte-order or direction marks); they were removed"


def _map_file(path: str, config: Config, preset_name: str, mapping: Mapping | None,
              sheet: str | None, quality: DataQuality) -> _Mapped:
    dictionary, typed = plan.choosers(preset_name, mapping)
    raw = readers.read(path, sheet, dictionary=dictionary, typed=typed, markers=tuple(config.missing_values),
                       ahead=plan.read_token(preset_name, mapping, config))
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
        for name, source in mapping.extra.items():
            if header_key(source) not in by_key:
                raise IngestError(
                    f"{path}: the mapping names column {source!r} for the custom field {name!r} (extra:), "
                    f"but the file has no such column; columns found: {', '.join(raw.headers[:20])}."
                )
    states = {**preset.states, **({k.strip().lower(): v for k, v in mapping.states.items()} if mapping else {})}
    priorities = {**preset.priorities, **config.priority_map, **(mapping.priorities if mapping else {})}

    source: dict[str, str] = {}
    claimed = plan.claimed(mapping)
    for field_, cands in columns.items():
        hit = find_column(by_key, cands)
        if hit is not None and claimed.get(header_key(hit), field_) == field_:
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
    cols: dict[str, pd.Series] = {}
    for f, h in source.items():
        col = _coalesce_repeats(raw, h)
        cols[f] = col if f in own_parser else _blank_missing(col, markers)
        if f not in own_parser and not isinstance(col.dtype, pd.CategoricalDtype):
            # A text column that needed no trimming keeps the raw column's buffers
            # (arrowtext.clean): its trimmed copy, freed, goes back to the system now rather
            # than staying in Arrow's pool beside the next column's (half a gigabyte of IDs
            # and titles at 10M rows).
            readers.release_memory()
    for f in cols:
        cols[f] = _nested_as_text(cols[f], f, markers, own_parser, rows_no, quality, path)
    for f in _KEY_FIELDS:
        if f in cols and f not in own_parser:
            cleaned, changed = arrowtext.strip_invisible(
                cols[f], arrowtext.INVISIBLE_IN_IDS if f == "incident_id" else arrowtext.INVISIBLE)
            _report(changed, rows_no, f, _INVISIBLE_NOTE, cols[f], quality, path)
            cols[f] = cleaned
    readers.release_memory()  # and the copies strip_invisible made of columns it changed
    rows = pd.DataFrame(index=raw.frame.index)
    fields = set(source)

    # Timestamps: decide day-first per column from evidence, then parse.
    ts_cols = {f: cols[f] for f in DATETIME_FIELDS if f in cols}
    if hist_time:
        ts_cols["_event_time"] = _coalesce_repeats(raw, hist_time)
    category_changed = preset.resolved_at_category_changed
    if category_changed and find_column(by_key, (category_changed[1],)):
        ts_cols["_category_changed"] = _coalesce_repeats(raw, find_column(by_key, (category_changed[1],)))
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
    for name, header in (mapping.extra.items() if mapping else ()):  # custom fields (mapping `extra:`)
        col = _blank_missing(_coalesce_repeats(raw, by_key[header_key(header)]), markers)
        col = _nested_as_text(col, name, markers, own_parser, rows_no, quality, path)
        cleaned, changed = arrowtext.strip_invisible(col, arrowtext.INVISIBLE)
        _report(changed, rows_no, name, _INVISIBLE_NOTE, col, quality, path)
        rows[name] = cleaned
    if "status" in cols:
        raw_state = cols["status"]
        rows["status"] = normalise.normalise_status(raw_state, states)
        unknown = raw_state.notna() & rows["status"].isna()
        if preset.status_categories and unknown.any():
            _status_from_category(preset, raw, by_key, rows, raw_state, unknown, rows_no, quality, path, markers)
            unknown = raw_state.notna() & rows["status"].isna()
        if is_history:  # a pause label the mapping does not name is a known state
            pause_labels = (*config.pause_states, *(mapping.pause_states if mapping else ()))
            unknown &= ~history._is_pause(rows["status"], raw_state, pause_labels)
        _report_unknown_labels(raw_state, unknown, rows_no, quality, path, is_history)
        if is_history:
            rows[history.RAW_STATE] = raw_state
    if "status" in rows:
        _done_without_resolution(preset, raw, by_key, rows, fields, quality, rows_no, path, markers)
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
        cols["priority"] if "priority" in cols else pd.Series(None, index=rows.index, dtype=object),
        rows.get("impact"), rows.get("urgency"),  # None: not in the file
        config.priority_matrix, priorities,
    )
    if "priority" in cols or ("impact" in cols and "urgency" in cols):
        fields.add("priority")
    words = _priority_words(cols.get("priority"), rows, {**config.priority_map, **(mapping.priorities if mapping else {})})
    if is_history:
        seq = pd.to_numeric(_coalesce_repeats(raw, hist_seq), errors="coerce") if hist_seq else pd.Series(np.nan, index=rows.index)
        rows[history.EVENT_SEQ] = seq
        if "level" in extra_columns:
            level_raw = _blank_missing(_coalesce_repeats(raw, by_key[header_key(extra_columns["level"])]), markers)
            tiers, bad = normalise.normalise_tier(level_raw, mapping.levels if mapping else {})
            _report_unknown_labels(level_raw, bad, rows_no, quality, path, True, what="tier")
            rows[history.LEVEL] = tiers
    rows["_row"] = rows_no.to_numpy()
    # One category, not the path repeated on every row (as text, 41 bytes a row of a 10M-row
    # export's name): a byte a row, and the zeros of the codes cost no memory until read.
    rows["_file"] = pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), categories=pd.Index([path], dtype="str"))

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
    return _Mapped(rows, fields, preset, is_history, keep_record, words)


def _priority_words(raw: pd.Series | None, rows: pd.DataFrame, user: dict[str, str]) -> dict | None:
    """The priority labels read through a built-in word outside SPEC's core list (Major,
    Blocker, Urgent, ...) that the user has not mapped; their rows get a `_word_priority`
    helper column so that load() can count them per incident."""
    if raw is None:
        return None
    user_keys = {k.strip().lower() for k in user}
    if isinstance(raw.dtype, pd.CategoricalDtype):  # dictionary-encoded while reading
        labels = pd.Series(raw.cat.categories.astype("str"))
    else:
        labels = pd.Series(pd.unique(raw.dropna())).astype("str")
    if labels.empty:
        return None
    keys = labels.str.strip().str.lower()
    picked = labels[keys.isin(list(normalise.REPORTED_PRIORITY_WORDS)) & ~keys.isin(list(user_keys))]
    if picked.empty:
        return None
    text = raw.astype("str").where(raw.notna(), None)
    rows["_word_priority"] = text.where(text.isin(list(picked)), None)
    prio = rows["priority"].astype("object")
    out = {}
    for label in picked:
        p = normalise.REPORTED_PRIORITY_WORDS[label.strip().lower()]
        same = text[(prio == p).to_numpy() & text.notna().to_numpy() & (text != label).to_numpy()]
        out[label] = (p, tuple(sorted(pd.unique(same.astype("str")))[:3]))
    return out


def _report_priority_words(frame: pd.DataFrame, parts: list[_Mapped], quality: DataQuality) -> None:
    """Once per label: "'Major' read as P2 (177 incidents)", over the incidents after event logs
    and duplicates are collapsed."""
    words: dict[str, tuple[str, tuple[str, ...]]] = {}
    for m in parts:
        for label, (p, same) in (m.priority_words or {}).items():
            old = words.get(label, (p, ()))[1]
            words[label] = (p, tuple(sorted(set(old) | set(same)))[:3])
    if not words or "_word_priority" not in frame:
        return
    col = frame["_word_priority"]
    for label, (p, same) in words.items():
        hit = col.eq(label).fillna(False).to_numpy(dtype=bool)
        n = int(hit.sum())
        if not n:
            continue
        at = int(np.flatnonzero(hit)[0])
        first = frame["_row"].iloc[at]
        also = (f"; the export's {' and '.join(repr(x) for x in same)} {'is' if len(same) == 1 else 'are'} "
                f"also {p}, so they are counted together" if same else "")
        quality.add(_int(first), "priority", f"{label[:40]!r} read as {p} ({n} incident{'s' if n > 1 else ''})"
                    f"{also}", str(frame["_file"].iloc[at]))


def _status_from_category(preset: Preset, raw: readers.RawTable, by_key: dict[str, str], rows: pd.DataFrame,
                          raw_state: pd.Series, unknown: pd.Series, rows_no: pd.Series, quality: DataQuality,
                          path: str, markers: set[str]) -> None:
    """A workflow status the preset does not know ("In Review", "QA") takes the status its
    status category names (Jira Cloud: To Do / In Progress / Done), reported once per label."""
    column, categories = preset.status_categories
    key = find_column(by_key, (column,))
    if not key:
        return
    category = _blank_missing(_coalesce_repeats(raw, key), markers).astype("str").str.strip().str.lower()
    read = category.map(categories).where(unknown.to_numpy())
    hit = read.notna()
    if not hit.any():
        return
    status = rows["status"]
    status = status.cat.add_categories(sorted(set(read[hit]) - set(status.cat.categories)))
    status[hit.to_numpy()] = read[hit].to_numpy()
    rows["status"] = status
    labels = raw_state[hit].astype("str")
    for label, n in labels.value_counts(sort=False).items():
        i = labels.index[labels.eq(label).to_numpy()][0]
        quality.add(int(rows_no[i]), "status", f"state {str(label)[:40]!r} ({n} row{'s' if n > 1 else ''}) read "
                    f"from its status category as {read[i]}", path)


def _done_without_resolution(preset: Preset, raw: readers.RawTable, by_key: dict[str, str], rows: pd.DataFrame,
                             fields: set[str], quality: DataQuality, rows_no: pd.Series, path: str,
                             markers: set[str]) -> None:
    """Jira workflows: a Done issue resolved as Won't Do / Duplicate / ... was cancelled; a Done
    issue with no Resolved date takes the time its status category became Done."""
    if not (preset.cancelled_resolutions or preset.resolved_at_category_changed):
        return
    status = rows["status"]
    done = status.isin(DONE_STATUSES).to_numpy().copy()
    if preset.cancelled_resolutions and done.any():
        key = find_column(by_key, (preset.cancelled_resolutions[0],))
        if key:
            resolution = _blank_missing(_coalesce_repeats(raw, key), markers)
            wanted = set(preset.cancelled_resolutions[1])
            hit = done & resolution.astype("str").str.strip().str.lower().isin(wanted).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                if "Cancelled" not in status.cat.categories:
                    status = status.cat.add_categories(["Cancelled"])
                status = status.where(~hit, "Cancelled")
                rows["status"] = status
                done = done & ~hit
                labels = sorted(resolution[hit].astype("str").unique())
                first = int(rows_no[np.flatnonzero(hit)[0]])
                quality.add(first, "status", f"{int(hit.sum())} Done issue(s) with resolution "
                            f"{', '.join(repr(x[:30]) for x in labels[:5])} read as Cancelled (first: row {first})", path)
    spec = preset.resolved_at_category_changed
    if not spec or "_category_changed" not in rows:
        return
    changed = rows.pop("_category_changed")
    need = done & changed.notna().to_numpy()
    if "resolved_at" in rows:
        need &= rows["resolved_at"].isna().to_numpy()
    key = find_column(by_key, (spec[0],))
    if key:  # only where the status category says done (a Done-mapped status may not be)
        category = _blank_missing(_coalesce_repeats(raw, key), markers).astype("str").str.strip().str.lower()
        need &= category.eq(spec[2]).fillna(False).to_numpy(dtype=bool)
    if not need.any():
        return
    if "resolved_at" not in rows:
        rows["resolved_at"] = pd.Series(pd.NaT, index=rows.index, dtype=TS_DTYPE)
    rows["resolved_at"] = rows["resolved_at"].where(~need, changed)
    fields.add("resolved_at")
    n = int(need.sum())
    quality.resolved_from_status_category += n
    first = int(rows_no[np.flatnonzero(need)[0]])
    quality.add(first, "resolved_at", f"{n} Done issue(s) have no Resolved date; the time their status "
                f"category became Done was used (first: row {first})", path)


def _report_unknown_labels(raw: pd.Series, unknown: pd.Series, rows_no: pd.Series, quality: DataQuality,
                           path: str, history_mode: bool, what: str = "state") -> None:
    """Every state (or support-tier) label not understood, once, with its count and first row;
    each row counts as a value not understood (--strict)."""
    unknown = pd.Series(np.asarray(unknown, dtype=bool), index=raw.index)
    n = int(unknown.sum())
    if not n:
        return
    quality.invalid_values += n
    bad = raw[unknown].astype("str")
    counts = bad.value_counts(sort=False)
    first_index = bad.index.to_series().groupby(bad.to_numpy(), sort=False).first()
    unit = "event" if history_mode else "row"
    if what == "tier":
        done = "names no support tier; left empty"
        field_ = "level"
    elif history_mode:
        done = "is not a known state; skipped, so the state before it stays in force"
        field_ = "status"
    else:
        done = "is not a known state; the status was set from the resolution and closure times"
        field_ = "status"
    for label, count in counts.items():
        first = int(rows_no[first_index[label]])
        quality.add(first, field_, f"{what} {str(label)[:40]!r} ({count} {unit}{'s' if count > 1 else ''}, "
                    f"first at row {first}) {done}", path)


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
    for f in DATETIME_FIELDS:  # one dtype, whatever path (history, typed cells) made the column
        if f in frame and str(frame[f].dtype) != TS_DTYPE:
            frame[f] = pd.to_datetime(frame[f], utc=True).astype(TS_DTYPE)
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


def _compact_text(incidents: pd.DataFrame) -> None:
    """Copy each text column that holds values (IDs, titles) into one contiguous Arrow array,
    in place, one column at a time, once the raw table is gone.

    The reader's columns are chunks of tens of kilobytes each, allocated among the CSV parser's
    buffers: once those are freed, the chunks still pin the allocator's pages they share, about
    twice the text's own size (45 bytes a row of a 1M-row export's IDs and titles), for the
    whole run. The copy is compact, and the old chunks' pages go back to the system."""
    for name in incidents.columns:
        arr = getattr(incidents[name].array, "_pa_array", None)
        if arr is None or arr.num_chunks < 2 or arr.null_count == len(arr):
            continue  # not Arrow text, already one array, or the shared stand-in of no values
        whole = pa.chunked_array([arr.combine_chunks()], type=arr.type)
        del arr
        incidents[name] = pd.Series(pd.array(whole, dtype=incidents[name].dtype), index=incidents.index)
        del whole
        readers.release_memory()


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
    parts, sources = [], []
    for p in paths:
        before = quality.rows_read
        parts.append(_map_file(str(p), config, preset, mapping, sheet, quality))
        sources.append((str(p), quality.rows_read - before))
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
        pause_states = (*config.pause_states, *(mapping.pause_states if mapping else ()))
        frame, events, pauses = history.collapse(rows, pause_states,
                                                 keep_record_times=any(m.keep_record_times for m in parts),
                                                 quality=quality)
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
    _report_priority_words(frame, parts, quality)
    frame = _finish(frame, quality)
    quality.incidents = len(frame)
    incidents = coerce(frame)
    extras = tuple(mapping.extra) if mapping else ()
    for name in extras:  # kept beside the canonical columns, as categories (grouping dimensions)
        incidents[name] = pd.Series(frame[name].to_numpy(), index=incidents.index, dtype="str").astype("category")
    del frame, rows, parts
    readers.release_memory()  # the raw columns just freed: back to the system before metrics
    _compact_text(incidents)
    fields |= {"incident_id", "opened_at", "status", "category"}
    return IngestResult(
        incidents=incidents, events=events, pauses=pauses, quality=quality,
        preset=names[0] if len(names) == 1 else "+".join(names),
        fields=frozenset(f for f in fields if f in FIELDS), pauses_known=is_history, extras=extras, sources=tuple(sources),
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
