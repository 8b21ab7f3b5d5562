"""Errors the report builder raises on bad input (root: :class:`contracts.errors.HarnessError`).

    ReportError             anything the user can fix; the CLI prints it as one line
     +-- RunFolderError     the run folder is missing, or a file in it cannot be read
     +-- ThresholdError     an ``expect`` entry has bad syntax (also a ``ValueError``)
     +-- HistoryError       the run history cannot be opened, read or written

Bugs are not wrapped: they stay loud.
"""

from __future__ import annotations

from contracts.errors import HarnessError


class ReportError(HarnessError):
    """A problem with the input of a report, stated in one line."""


class RunFolderError(ReportError):
    """The run folder, or one of its files, cannot be read."""


class ThresholdError(ReportError, ValueError):
    """An ``expect`` metric path or condition has bad syntax."""


class HistoryError(ReportError):
    """The run history database cannot be opened, read or written (one line, no password)."""
