"""Errors of the scenario runner.

::

    ScenarioError            anything the runner reports as one line, no traceback
     +-- ScenarioInputError  bad input: a scenario file, a CLI flag (exit 2)
     +-- StackError          a child process did not start or the stack broke (exit 1)

:class:`RunInterrupted` is not an error: SIGINT/SIGTERM arrived (exit 130 / 143).
Anything else escaping the runner is a bug and stays loud.
"""

from __future__ import annotations

import signal


class ScenarioError(Exception):
    """An error the user sees as one line."""


class ScenarioInputError(ScenarioError):
    """A scenario file or a command-line value is invalid."""


class StackError(ScenarioError):
    """Origins, edge or Locust could not be started or kept running."""


class RunInterrupted(BaseException):
    """SIGINT or SIGTERM arrived during a run (BaseException: no `except Exception` eats it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
