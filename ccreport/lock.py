"""A lock on the output folder, so two scheduled runs never write the same documents at once."""

from __future__ import annotations

import errno
import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import CcreportError

LOCK_NAME = ".ccreport.lock"


@contextmanager
def output_lock(out_dir: Path) -> Iterator[Path]:
    """Hold an exclusive, non-blocking lock on `out_dir` for the duration of a run.

    The lock is an flock on `<out>/.ccreport.lock`: the kernel releases it when the process
    ends, however it ends, so a crashed run never leaves a stale lock behind.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise CcreportError(f"{out_dir}: cannot use the output folder ({err.strerror or err}).") from None
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
        yield out_dir
    finally:
        os.close(fd)
