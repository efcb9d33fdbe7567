"""Run one command and print its wall clock, peak RSS and CPU time as JSON (used by run.py).

The measuring is done here, in a small process, and not in run.py itself: on Linux a child's
ru_maxrss starts from the high-water mark of the process that forked it (the kernel records the
old memory map's peak at exec), so a child of the benchmark driver, which has held a generated
export in memory, would report the driver's peak and not its own.
"""

import json
import os
import subprocess
import sys
import time

t = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KB on Linux
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "wall": wall,
                  "rss_mb": usage.ru_maxrss * scale / 1e6, "cpu": usage.ru_utime + usage.ru_stime}))
