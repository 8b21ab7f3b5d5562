"""Numbers as summary.json holds them (every layer of the report writes them the same way)."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any, digits: int = 6) -> float | None:
    """A float rounded for JSON, or None for missing/NaN/infinite values."""
    if value is None:
        return None
    value = float(value)
    return None if not math.isfinite(value) else round(value, digits)
