"""The first thing a command's ``__main__`` does: Ctrl-C is one line from the very start.

Only ``os`` and ``signal`` are imported here (the interpreter has loaded both already), so this
takes effect a fraction of a millisecond into ``__main__``, before any heavy import.
"""

from __future__ import annotations

import os
import signal


def exit_on_signals(command: str) -> None:
    """SIGINT or SIGTERM, until the command installs its own handling, ends it with one line
    and ``128 + signal`` (no traceback from half-done imports). Nothing has been started yet
    then; anything started later either replaces this (the runner) or dies with its parent
    (scenarios/stack/lifeline.py)."""
    def stop(signum: int, _frame: object) -> None:
        os.write(2, f"{command}: interrupted ({signal.Signals(signum).name})\n".encode())
        os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
