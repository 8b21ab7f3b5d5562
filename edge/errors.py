"""The edge's errors, one tree (its root is :class:`contracts.errors.HarnessError`).

    EdgeError                 a user error: printed as one line, exit 2, no traceback
     ├── ConfigError          the DistributionConfig file is unreadable or invalid
     └── UsageError           a command-line value is wrong (also a contracts UsageError)

At the viewer boundary nothing here is raised: a bad request becomes an HTTP answer
(:class:`edge.core.viewer_http.RequestError` carries its ``.status``).

Anything else that escapes is a bug and stays loud.
"""

from __future__ import annotations

from contracts import errors as contract


class EdgeError(contract.HarnessError):
    """A mistake in what the user gave us; the message is one complete line."""


class ConfigError(EdgeError):
    """The DistributionConfig is invalid. The message names file, JSON path and what is allowed."""


class UsageError(EdgeError, contract.UsageError):
    """A command-line value is invalid."""
