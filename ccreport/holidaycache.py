"""Public holidays of a country (and subdivision), cached on disk so a run does not import the
`holidays` package.

Importing `holidays` loads all of its ~250 country modules (about 0.1 s of every run's start).
The dates a calendar needs are therefore kept in a small JSON file per country/subdivision
under the user's cache folder (`$CCREPORT_CACHE_DIR`, else `$XDG_CACHE_HOME/ccreport`, else
`~/.cache/ccreport`), keyed by the installed `holidays` version (read from its `.dist-info`
folder's name, without importing it), so an upgrade of the package recomputes them. A miss
imports the package once and caches a generous span of years (ten years back, ten ahead, and
whatever was asked). The cache is only an accelerator: an unreadable, unwritable or corrupt
cache file is ignored and the package is asked directly. Writes are atomic (temporary file,
then rename), so parallel runs and test workers never read half a file.

No numpy or pandas here: `ccreport.config` uses it to check a configured country at load time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_DIST_INFO = re.compile(r"^holidays-([0-9][A-Za-z0-9.+_-]*)\.dist-info$")
_SPAN_BACK, _SPAN_AHEAD = 10, 10
_FORMAT = 1


def cache_dir() -> Path | None:
    """Where cached data go; None when no home folder is known."""
    explicit = os.environ.get("CCREPORT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "ccreport"
    try:
        return Path.home() / ".cache" / "ccreport"
    except (RuntimeError, KeyError):
        return None


def _package_key() -> str | None:
    """The installed holidays package's version and location, without importing it (its
    `version.py` asks importlib.metadata, which costs as much as the import saved): the version
    from the name of its `.dist-info` folder, else the modification time of the package."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("holidays")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    root = Path(spec.origin).parent
    where = hashlib.sha1(str(root).encode()).hexdigest()[:8]
    try:
        for name in os.listdir(root.parent):
            m = _DIST_INFO.match(name)
            if m:
                return f"{m.group(1)}-{where}"
        return f"m{Path(spec.origin).stat().st_mtime_ns}-{where}"
    except OSError:
        return None


def _cache_file(country: str, subdivision: str | None) -> Path | None:
    if not _SAFE.match(country) or (subdivision is not None and not _SAFE.match(subdivision)):
        return None
    base, key = cache_dir(), _package_key()
    if base is None or key is None:
        return None
    return base / "holidays" / key / f"{country}-{subdivision or '_'}.json"


def _read(path: Path) -> tuple[int, int, list[dt.date]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            return None
        first, last = int(data["first"]), int(data["last"])
        days = [dt.date.fromisoformat(d) for d in data["dates"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return first, last, days


def _write(path: Path, first: int, last: int, days: list[dt.date]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": _FORMAT, "first": first, "last": last,
                       "dates": [d.isoformat() for d in sorted(days)]}, f)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


def _from_package(country: str, subdivision: str | None, first: int, last: int) -> list[dt.date]:
    """The package's dates; raises what `holidays.country_holidays` raises for an unknown
    country (NotImplementedError) or subdivision."""
    import holidays

    found = holidays.country_holidays(country, subdiv=subdivision, years=range(first, last + 1))
    return sorted(found.keys())


def holiday_days(country: str, subdivision: str | None, first_year: int, last_year: int) -> list[dt.date]:
    """The holidays of `country`/`subdivision` from first_year to last_year inclusive.

    Raises what the holidays package raises for an unknown country or subdivision (nothing is
    cached for those)."""
    path = _cache_file(country, subdivision)
    if path is not None:
        hit = _read(path)
        if hit is not None and hit[0] <= first_year and last_year <= hit[1]:
            return [d for d in hit[2] if first_year <= d.year <= last_year]
    this_year = dt.date.today().year
    lo = min(first_year, this_year - _SPAN_BACK)
    hi = max(last_year, this_year + _SPAN_AHEAD)
    if path is not None and hit is not None:
        lo, hi = min(lo, hit[0]), max(hi, hit[1])
    days = _from_package(country, subdivision, lo, hi)
    if path is not None:
        _write(path, lo, hi, days)
    return [d for d in days if first_year <= d.year <= last_year]


def check_known(country: str, subdivision: str | None) -> None:
    """Raise as the holidays package does when it does not know the country or subdivision;
    return quietly (from the cache when it can) when it does."""
    year = dt.date.today().year
    holiday_days(country, subdivision, year, year)
