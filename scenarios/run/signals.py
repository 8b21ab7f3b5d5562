"""SIGINT/SIGTERM during a run: turned into :class:`~scenarios.errors.RunInterrupted` once.

The first signal raises wherever the runner is (starting the stack, driving the load,
applying a step), so the ``finally`` of the run tears everything down. From the teardown on
(``armed = False``) signals are only noted: a cleanup is never cut half-way, and the exit code
still says a signal arrived.
"""

from __future__ import annotations

import signal
from typing import Any

from scenarios.errors import RunInterrupted


class SignalGuard:
    """SIGINT/SIGTERM raise :class:`RunInterrupted` once; during teardown they are noted only."""

    def __init__(self) -> None:
        self.armed = True
        self.received: list[int] = []
        self.previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def install(self) -> None:
        for sig in self.previous:
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        self.received.append(signum)
        if self.armed:
            self.armed = False
            raise RunInterrupted(signum)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
