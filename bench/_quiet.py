"""Waiting for a quiet moment on a shared machine before a timed call.

On a host shared with other jobs a wall-clock timing measures their load as
much as ours. `wait_for_idle` polls the kernel's CPU counters (Linux
/proc/stat) until the CPUs were idle for `fraction` of the last `window_s`
seconds, so a timing taken right after it ran on an (almost) idle machine.
Elsewhere it returns at once.
"""

import os
import time


def _cpu_times():
    with open("/proc/stat", encoding="ascii") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return idle, sum(fields)


def idle_fraction(window_s=1.0):
    """Fraction of CPU time idle over the next `window_s` seconds (None off Linux)."""
    if not os.path.exists("/proc/stat"):
        return None
    idle0, total0 = _cpu_times()
    time.sleep(window_s)
    idle1, total1 = _cpu_times()
    return (idle1 - idle0) / max(total1 - total0, 1e-9)


def wait_for_idle(fraction=0.85, window_s=1.0, timeout_s=120.0):
    """Blocks until the CPUs were >= `fraction` idle over a window, or timeout.

    Returns:
        The idle fraction of the last window (None off Linux); below
        `fraction` when the timeout passed first.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        idle = idle_fraction(window_s)
        if idle is None or idle >= fraction or time.monotonic() > deadline:
            return idle
