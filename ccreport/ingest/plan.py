"""How an export is read, decided from its header row alone (no pandas): which source columns
pyarrow dictionary-encodes and which it may type while parsing, and `start_reading`, which
starts that parse for a command's first export in a thread (csvparse.read_ahead) while the
main thread imports pandas and the rest of the pipeline.

The read ahead gives the same table, the same messages and the same exit codes as reading the
file when the pipeline gets to it: `pipeline._map_file` reads with the same token
(`read_token`), and any difference (another preset, mapping or missing markers, or a file that
has changed since) makes it read the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..schema import DATETIME_FIELDS, DEFAULT_MISSING, DIMENSIONS, FLOAT_FIELDS
from .presets import PRESETS, detect, find_column, header_key

if TYPE_CHECKING:
    from ..config import Config
    from .mapping import Mapping

#: Count fields: integers, parsed by their own parser (or by pyarrow while reading).
COUNT_FIELDS = ("escalation_level", "reassignment_count", "reopen_count",
                "customers_affected", "contacts_affected")
#: Low-cardinality fields worth dictionary-encoding while reading.
DICTIONARY_FIELDS = (*DIMENSIONS, "subcategory", "configuration_item", "priority", "status", "impact", "urgency", "major")
#: Fields pyarrow may parse while reading (ISO timestamps, numbers).
TYPED_FIELDS = (*DATETIME_FIELDS, *COUNT_FIELDS, *FLOAT_FIELDS)
#: Suffixes read by other readers than the CSV one (no read ahead).
_NOT_CSV = (".xlsx", ".xlsm", ".xls", ".json", ".parquet", ".pq")


def claimed(mapping: Mapping | None) -> dict[str, str]:
    """{header key: field} of the columns a mapping file names for a field: such a column is
    that field's only, never also another field's by the preset's name matching (a mapping's
    `priority: Impact` must not fill canonical `impact` with the priority words as well)."""
    return {header_key(source): field_ for field_, source in mapping.columns.items()} if mapping else {}


def headers_for(headers: list[str], preset_name: str, mapping: Mapping | None,
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
    taken = claimed(mapping)
    for field_ in fields:
        cands = (mapping.columns[field_],) if mapping and field_ in mapping.columns else preset.columns.get(field_, ())
        hit = find_column(by_key, cands)
        if hit is not None and taken.get(header_key(hit), field_) == field_:
            out.add(hit)
    if mapping and "state" in mapping.columns and fields is DICTIONARY_FIELDS:
        hit = find_column(by_key, (mapping.columns["state"],))
        if hit is not None:
            out.add(hit)
    if mapping and fields is DICTIONARY_FIELDS:  # custom fields group incidents: few values
        out |= {h for h in (find_column(by_key, (c,)) for c in mapping.extra.values()) if h is not None}
    return out


def choosers(preset_name: str, mapping: Mapping | None) -> tuple[Callable[[list[str]], set[str]],
                                                                  Callable[[list[str]], set[str]]]:
    """The CSV reader's `dictionary` and `typed` arguments for this preset and mapping: from a
    header row, the headers to dictionary-encode and those pyarrow may type."""
    return (lambda headers: headers_for(headers, preset_name, mapping, DICTIONARY_FIELDS),
            lambda headers: headers_for(headers, preset_name, mapping, TYPED_FIELDS))


def read_token(preset_name: str, mapping: Mapping | None, config: Config) -> tuple:
    """Everything the CSV read's arguments depend on besides the file."""
    return preset_name, mapping, tuple(config.missing_values)


def start_reading(paths: list[str | Path], config: Config, preset: str, mapping: str | Path | Mapping | None
                  ) -> str | Path | Mapping | None:
    """Start parsing the first export (a CSV) in a thread, and return the mapping, loaded
    (so it is read once). Nothing starts where `pipeline.load` will refuse the arguments first
    (no file, an unknown preset); a mapping file that does not load raises its error here, as
    `pipeline.load` would before reading anything."""
    if not paths or (preset != "auto" and preset not in PRESETS):
        return mapping
    if isinstance(mapping, (str, Path)):
        from .mapping import load_mapping

        mapping = load_mapping(mapping)
    p = Path(paths[0])
    if p.suffix.lower() in _NOT_CSV:
        return mapping
    from . import csvparse

    csvparse.read_ahead(p, read_token(preset, mapping, config), *choosers(preset, mapping),
                        markers=tuple(config.missing_values))
    return mapping


def start_early(paths: tuple[str, ...], preset: str | None, mapping: str | None) -> None:
    """Before the configuration is loaded (`validate`, `metrics`): start the first export's parse
    with the command line's preset ('auto' without one) and mapping file and the default
    missing markers. The configuration may choose otherwise; `csvparse.claim` then compares
    what the parse was asked for, column by column, with what the pipeline asks for, and the
    file is read again only if they differ. Nothing starts, and nothing is reported, when the
    arguments will be refused anyway (an unknown preset, a mapping file that does not load):
    the command gives that error where it always has."""
    preset = preset or "auto"
    if not paths or (preset != "auto" and preset not in PRESETS) or Path(paths[0]).suffix.lower() in _NOT_CSV:
        return
    loaded = None
    if mapping:
        from ..errors import CcreportError
        from .mapping import load_mapping

        try:
            loaded = load_mapping(mapping)
        except CcreportError:
            return
    from . import csvparse

    csvparse.read_ahead(Path(paths[0]), ("early", preset, loaded), *choosers(preset, loaded), markers=DEFAULT_MISSING)
