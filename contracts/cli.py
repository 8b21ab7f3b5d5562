"""What every command shares: an argument parser whose errors are one line, and ``main``.

Every user error leaves as one line on stderr, ``<command>: <message>``, and the exit code
of :mod:`contracts.errors`; no usage dump, no traceback. Ctrl-C becomes one line too.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from contracts.errors import EXIT_BROKE, EXIT_OK, HarnessError, UsageError


class OneLineParser(argparse.ArgumentParser):
    """``argparse`` that raises :class:`UsageError` (or ``error_type``) instead of exiting."""

    def __init__(self, *args: object, error_type: type[HarnessError] = UsageError,
                 **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)  # --hos is not --host
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.error_type = error_type

    def error(self, message: str) -> NoReturn:
        raise self.error_type(message)


def run_main(command: str, main: Callable[[], int]) -> int:
    """Run ``main``; print a user error or Ctrl-C as ``command: ...``; return the exit code."""
    try:
        return main()
    except HarnessError as exc:
        for line in str(exc).splitlines():  # several problems: one line each
            print(f"{command}: {line}", file=sys.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr, flush=True)
        return EXIT_BROKE
    except BrokenPipeError:  # `... | head` stopped reading: what was asked for is done
        # Python flushes stdout again at exit; point it at /dev/null so that flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK

