"""Children die with their parent: whatever ends the runner, SIGKILL included.

Every child of a run is started with ``PR_SET_PDEATHSIG`` (Linux): when the runner's thread
that started it exits, the kernel sends the child a signal. Servers that can be paused by a
step (origins: SIGSTOP) get SIGKILL, which also ends a stopped process; the others (edge,
Locust) get SIGTERM, so they still flush their logs on the way out. The race where the runner
dies between fork and prctl is closed by checking, after prctl, that the parent is still the
one that forked us.

Packet-filter rules cannot die with a process; :mod:`scenarios.stack.rule_keeper` removes them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True) \
    if sys.platform.startswith("linux") else None


def die_with_parent(death_signal: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen` (None where the kernel has no PDEATHSIG)."""
    if _LIBC is None:
        return None
    prctl = _LIBC.prctl  # looked up now, in the parent: the child only makes one call
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, int(death_signal), 0, 0, 0)
        if os.getppid() != parent:  # the runner died before prctl took effect
            os._exit(1)

    return in_child
