"""The edge's errors, one tree.

    EdgeError                 a user error: printed as one line, exit 2, no traceback
     ├── ConfigError          the DistributionConfig file is unreadable or invalid
     └── UsageError           a command-line value is wrong (address, --origin mapping)

Anything else that escapes is a bug and stays loud.
"""

from __future__ import annotations


class EdgeError(Exception):
    """A mistake in what the user gave us; the message is one complete line."""


class ConfigError(EdgeError):
    """The DistributionConfig is invalid. The message names file, JSON path and what is allowed."""


class UsageError(EdgeError):
    """A command-line value is invalid."""
