"""Entry point: ``python -m scenarios``."""

from __future__ import annotations

import sys

from scenarios.cli import main

if __name__ == "__main__":
    sys.exit(main())
