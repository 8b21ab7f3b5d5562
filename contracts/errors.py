"""The root of every package's error tree, and the exit codes every command shares.

::

    HarnessError                   a user error: one line on stderr, no traceback
     ├── UsageError                a command-line value is wrong (here: parser, HOST:PORT)
     ├── edge.errors.EdgeError     the edge's tree (config, usage)
     ├── origins.errors.OriginsError   the origins' tree (usage, fault API)
     ├── scenarios.errors.ScenarioError  the runner's tree (input, stack)
     └── reports.errors.ReportError     the report builder's tree (run folder, thresholds)

Each package draws its own subtree in its ``errors.py``. Every command prints a
``HarnessError`` as ``<command>: <message>`` (see :mod:`contracts.cli`), where the message
points into the input: ``<file>:<line>: <path>: <what is wrong> (<what is allowed>)``.
Anything that is not a ``HarnessError`` is a bug and stays loud (a traceback).

An error that travels over HTTP carries its status as ``.status`` (one way, everywhere).
"""

from __future__ import annotations

# Exit codes: the same for every command (README, "Exit codes").
EXIT_OK = 0           # done; every threshold held
EXIT_FAILED = 1       # ran to the end, and a threshold (expect) failed
EXIT_BAD_INPUT = 2    # refused before anything started: a file, a flag, a request
EXIT_BROKE = 3        # the run broke (a process died, the stack failed) or was interrupted


class HarnessError(Exception):
    """A mistake the user can fix, said in one line; ``exit_code`` is what the command returns."""

    exit_code = EXIT_BAD_INPUT


class UsageError(HarnessError):
    """A command-line value is invalid."""
