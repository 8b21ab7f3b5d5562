"""Suite-wide set-up: every run the tests build is filed in a throwaway run history.

Set before any test (and inherited by every process a test starts), so no test writes into
the checkout's results/history.sqlite.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_HISTORY_DIR = tempfile.TemporaryDirectory(prefix="harness-history-")


def pytest_configure(config: pytest.Config) -> None:
    os.environ["HARNESS_HISTORY"] = str(Path(_HISTORY_DIR.name) / "history.sqlite")
