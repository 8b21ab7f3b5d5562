"""CPU time a server process (and its children, e.g. nginx's worker) has used, from /proc.

On a machine whose cores are shared, requests per CPU-second of the server is what "per
core" means: it does not drop when something else takes the core for a while.
"""

from __future__ import annotations

import os

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _own_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5) (utime, stime), counted after the ")" of the name.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` and its live children; None without /proc."""
    try:
        return _own_seconds(pid) + sum(_own_seconds(c) for c in _children(pid))
    except (OSError, ValueError, IndexError):
        return None
