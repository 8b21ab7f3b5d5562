"""Numbers as summary.json holds them (every layer of the report writes them the same way)."""

from __future__ import annotations

import math
from typing import Any

NO_RESPONSE = "none"  # the name of an empty value in a count by value (no X-Cache word, no origin)


def number(value: Any, digits: int = 6) -> float | None:
    """A float rounded for JSON, or None for missing/NaN/infinite values."""
    if value is None:
        return None
    value = float(value)
    return None if not math.isfinite(value) else round(value, digits)


def with_resolution(value: float, tick: float) -> str:
    """``value ± tick`` with ``tick`` to one significant digit and ``value`` to the same place;
    ``< tick`` for a value inside one tick of zero (a time cannot be negative: "0.0 ± 0.1"
    would say it might be)."""
    exponent = math.floor(math.log10(abs(tick)))
    rounded = round(tick, -exponent)
    exponent = math.floor(math.log10(abs(rounded)))  # 0.0999 -> 0.1 moves up a place
    places = max(0, -exponent)
    if 0 <= value < rounded:
        return f"< {rounded:.{places}f}"
    return f"{value:.{places}f} ± {rounded:.{places}f}"
