"""The first thing a command's ``__main__`` does: Ctrl-C is one line from the very start.

Only ``os``, ``signal`` (both loaded by the interpreter already) and the exit codes are imported, so this
takes effect a fraction of a millisecond into ``__main__``, before any heavy import.
"""

from __future__ import annotations

import os
import signal

from contracts.errors import EXIT_BROKE


def exit_on_signals(command: str) -> None:
    """SIGINT or SIGTERM, until the command installs its own handling, ends it with one line
    and exit code 3, a run that broke or was interrupted (no traceback from half-done imports). Nothing has been started yet
    then; anything started later either replaces this (the runner) or dies with its parent
    (scenarios/stack/lifeline.py)."""
    def stop(signum: int, _frame: object) -> None:
        os.write(2, f"{command}: interrupted ({signal.Signals(signum).name})\n".encode())
        os._exit(EXIT_BROKE)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
