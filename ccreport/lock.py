"""A lock on the output folder, so two scheduled runs never write the same documents at once.

The lock file lives in `--out`, a folder other people may be able to write to, so it is
opened without following a symlink and must be a regular file with a single link: a planted
`.ccreport.lock -> /etc/passwd` (or a hard link to it, a FIFO or a device) is refused, and the
file it points at is never opened, truncated or written. Holding the lock also makes this run
the only ccreport writer of the folder, so it is the moment to sweep away the temporary files
and folders an earlier run left when it was killed (see `remove_stale_temporaries`).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import CcreportError

log = logging.getLogger("ccreport")

LOCK_NAME = ".ccreport.lock"

#: The names ccreport's atomic writers give their temporary files and folders (render/base.py:
#: `tempfile.mkstemp/mkdtemp(prefix=".<name>.", suffix=".tmp")`, eight random characters) and
#: the `.<name>_files.old` folder `atomic_write_dir` moves the previous images to. Nothing else
#: is ever removed.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
_OLD_DIR = re.compile(r"^\.(?P<name>.+_files)\.old$")


def _open_lock_file(out_dir: Path) -> int:
    """Open (or create) `<out>/.ccreport.lock` safely; the fd of a regular file, or a CcreportError."""
    path = out_dir / LOCK_NAME
    # O_NOFOLLOW: a symlink is an error (ELOOP), never followed. O_NONBLOCK: opening a planted
    # FIFO cannot hang; it is refused below like any other file that is not a regular file.
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise CcreportError(f"{path}: the lock file is a symbolic link; remove it (ccreport never "
                                "follows a link there) and run again.") from None
        raise CcreportError(f"{out_dir}: cannot use the output folder ({err.strerror or err}).") from None
    st = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(st.st_mode):
        problem = "is not a regular file"
    elif st.st_nlink != 1:
        # A hard link to another file would let the PID overwrite that file, like a symlink.
        problem = f"has {st.st_nlink} hard links (it must be a file of its own)"
    if problem:
        os.close(fd)
        raise CcreportError(f"{path}: the lock file {problem}; remove it and run again.")
    return fd


def remove_stale_temporaries(out_dir: Path) -> list[str]:
    """Remove what killed runs left in `out_dir`: ccreport's own temporary names only.

    Call it only while holding the lock: then no other ccreport run can be writing them.
    Links are removed, never followed. A `.<name>_files.old` folder whose `<name>_files` is
    missing (the run died between its two renames) is put back instead of removed.
    Returns the names dealt with.
    """
    done: list[str] = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return done
    for entry in entries:
        temp, old = _TEMP_NAME.match(entry.name), _OLD_DIR.match(entry.name)
        if not (temp or old):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if old and is_dir and not os.path.lexists(out_dir / old.group("name")):
                os.replace(entry.path, out_dir / old.group("name"))
            elif is_dir:
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError as err:
            log.warning("%s: cannot remove a temporary file of an earlier run (%s)", entry.path,
                        err.strerror or err)
            continue
        done.append(entry.name)
    if done:
        log.debug("removed %d temporary file(s) of earlier runs from %s", len(done), out_dir)
    return done


@contextmanager
def output_lock(out_dir: Path) -> Iterator[Path]:
    """Hold an exclusive, non-blocking lock on `out_dir` for the duration of a run.

    The lock is an flock on `<out>/.ccreport.lock`: the kernel releases it when the process
    ends, however it ends, so a crashed run never leaves a stale lock behind.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CcreportError(f"{out_dir}: cannot use the output folder ({err.strerror or err}).") from None
    fd = _open_lock_file(out_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                raise CcreportError(
                    f"{out_dir}: another ccreport run (pid {holder}) is writing to this folder; "
                    "wait for it to finish or use another --out."
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        remove_stale_temporaries(out_dir)
        yield out_dir
    finally:
        os.close(fd)
