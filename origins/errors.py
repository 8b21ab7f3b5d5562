"""Errors of the origins package.

::

    OriginsError                 a user error: one line, never a traceback
     +-- UsageError              bad command-line arguments (exit 2)
     +-- FaultError              a control API call that cannot be honoured
          +-- FaultSpecError     400: the fault JSON is invalid (names the field)
          +-- FaultNotFound      404: no fault with that name
          +-- FaultConflict      409: a fault with that name exists already
"""

from __future__ import annotations


class OriginsError(Exception):
    """Base of the user-facing errors of this package."""


class UsageError(OriginsError):
    """Bad command-line arguments."""


class FaultError(OriginsError):
    """A control API call that cannot be honoured; ``status`` is the HTTP status to answer."""

    status = 400


class FaultSpecError(FaultError):
    """Invalid fault JSON. The message starts with the field path, e.g. ``faults.ms: ...``."""

    status = 400


class FaultNotFound(FaultError):
    status = 404


class FaultConflict(FaultError):
    status = 409
