"""Errors of the scenario runner (root: :class:`contracts.errors.HarnessError`).

::

    ScenarioError            anything the runner reports as one line, no traceback
     +-- ScenarioInputError  bad input: a scenario file, a CLI flag (exit 2)
     +-- StackError          a child process did not start or the stack broke (exit 3)
     |    +-- ProcessError   scenarios/stack/procs.py: one child did not start or died
     |    +-- BlackholeError scenarios/stack/blackhole.py: the packet filter refused
     +-- PanelError          scenarios/ui/session.py: a Chaos-tab request refused (.status)

:class:`RunInterrupted` is not an error: SIGINT/SIGTERM arrived (exit 3, like a broken run).
Anything else escaping the runner is a bug and stays loud.
"""

from __future__ import annotations

import signal

from contracts.errors import EXIT_BAD_INPUT, EXIT_BROKE, EXIT_FAILED, HarnessError


class ScenarioError(HarnessError):
    """An error the user sees as one line."""

    exit_code = EXIT_FAILED


class ScenarioInputError(ScenarioError):
    """A scenario file or a command-line value is invalid."""

    exit_code = EXIT_BAD_INPUT


class StackError(ScenarioError):
    """Origins, edge or Locust could not be started or kept running."""

    exit_code = EXIT_BROKE


class RunInterrupted(BaseException):
    """SIGINT or SIGTERM arrived during a run (BaseException: no `except Exception` eats it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    exit_code = EXIT_BROKE
