"""The one owner of how a file reaches the disk: safe names and atomic writes.

Every file ccreport writes (documents, Markdown's image folder, `.eml` files of a dry run, the
starter files of `ccreport init`) goes through `atomic_write`: a temporary file in the target
folder, renamed into place, so a reader or a mail job never sees a half-written file whatever
goes wrong, and a planted symlink is replaced rather than followed. Names that come from data
(incident IDs, group names) pass through `safe_basename` / `unique_basename` first.
Standard library only: renderers, delivery and the scaffold all import it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

log = logging.getLogger("ccreport")

# --------------------------------------------------------------------------- names


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


#: Device names Windows reserves whatever the extension ("CON.pdf" is still the console).
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$", re.IGNORECASE)


def safe_basename(name: str, max_len: int = 100) -> str:
    """`<kind>-<period or id>` reduced to [A-Za-z0-9._-], no leading dots, at most 100 chars."""
    cleaned = _UNSAFE.sub("_", name).lstrip("._-")  # no hidden files, no option-like names
    cleaned = cleaned[:max_len].rstrip("._-") or "document"
    if _RESERVED.match(cleaned.split(".")[0]):
        cleaned = ("_" + cleaned)[:max_len].rstrip("._-")
    return cleaned


def unique_basename(name: str, max_len: int = 100) -> str:
    """`safe_basename`, plus a short hash of the original whenever cleaning changed it, so two
    different names ("INC/1" and "INC_1", or two long IDs that differ only after 100
    characters) never become the same file. Names that are already safe stay as they are."""
    safe = safe_basename(name, max_len)
    if safe == name:
        return safe
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe_basename(name, max_len - 9)}-{digest}"


# --------------------------------------------------------------------------- atomic writes


def atomic_write(path: Path, write: Callable[[Path], None], *, announce: bool = True) -> Path:
    """Call write(tmp) for a temp file beside `path`, then rename it into place.

    On any exception the temp file is removed and `path` is left as it was. Logs "Wrote
    <path>" unless `announce` is False (for a caller that reports its files itself).
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if announce:
        log.info("Wrote %s", path)
    return path


def atomic_write_bytes(path: Path, data: bytes, *, announce: bool = True) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data), announce=announce)


def atomic_write_dir(path: Path, files: dict[str, bytes]) -> Path:
    """Write a folder of files (Markdown's images) beside `path`, replacing it as a whole.

    Whatever is at `path` (a folder, a file, or a symlink someone planted, dangling or not) is
    renamed aside and replaced, never followed: a link's target is not touched.
    """
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    old: Path | None = None
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
            _default_mode(tmp / name)
        os.chmod(tmp, 0o777 & ~_umask())
        if os.path.lexists(path):
            old = path.with_name(f".{path.name}.old")
            if os.path.lexists(old):
                _remove_entry(old)
            os.replace(path, old)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and os.path.lexists(old) and not os.path.lexists(path):
            os.replace(old, path)
        raise
    if old is not None:
        try:
            _remove_entry(old)
        except OSError:
            pass  # the new folder is in place; the next run's lock sweeps what is left
    return path


def _remove_entry(p: Path) -> None:
    """Remove a folder tree, or a file or symlink itself (shutil.rmtree refuses a symlink, and
    following one would delete what it points at)."""
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_mode(p: Path) -> None:
    # mkstemp creates 0600; a report should get the usual permissions of a new file.
    os.chmod(p, 0o666 & ~_umask())
