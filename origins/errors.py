"""Errors of the origins package (its root is :class:`contracts.errors.HarnessError`).

::

    OriginsError                 a user error: one line, never a traceback
     +-- UsageError              bad command-line arguments (exit 2)
     +-- FaultError              a control API call that cannot be honoured
          +-- FaultSpecError     400: the fault JSON is invalid (names the field)
          +-- FaultNotFound      404: no fault with that name
          +-- FaultConflict      409: a fault with that name exists already

The control API translates a FaultError into ``{"error": message, "status": .status}``
with that HTTP status (origins/control_app.py), and nothing else.
"""

from __future__ import annotations

from contracts import errors as contract


class OriginsError(contract.HarnessError):
    """Base of the user-facing errors of this package."""


class UsageError(OriginsError, contract.UsageError):
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
