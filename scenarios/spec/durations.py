"""Durations and step times as written in scenario files.

``20``, ``"20s"``, ``"1.5s"``, ``"1m"``, ``"2m30s"``, ``"100ms"``; step times may also be a
percentage of the run's duration (``"33%"``), resolved when the duration is known (so a
``--duration`` override moves them with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
DURATION_HELP = "a number of seconds or a string like '20s', '1m30s', '250ms'"


def parse_duration(value: object) -> float:
    """Seconds in ``value``; ``ValueError`` with what is allowed when it is not a duration."""
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            parts = _PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(f"expected {DURATION_HELP}, got {value!r}") from None
            seconds = sum(float(n) * _UNIT_S[u] for n, u in parts)
    else:
        raise ValueError(f"expected {DURATION_HELP}, got {value!r}")
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"expected a finite duration >= 0, got {value!r}")
    return seconds


@dataclass(frozen=True)
class StepTime:
    """When a step happens: seconds after load start, or a percentage of the duration."""

    value: float
    percent: bool = False

    def resolve(self, duration_s: float) -> float:
        return round(duration_s * self.value / 100.0, 3) if self.percent else self.value

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{self.value:g}s"


def parse_step_time(value: object) -> StepTime:
    """A step's ``at``: a duration or a percentage ``'0%'..'100%'``."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            percent = float(value.strip()[:-1])
        except ValueError:
            raise ValueError(f"expected a percentage like '33%', got {value!r}") from None
        if not 0 <= percent <= 100:
            raise ValueError(f"a percentage must be within 0%..100%, got {value!r}")
        return StepTime(percent, percent=True)
    try:
        return StepTime(parse_duration(value))
    except ValueError:
        raise ValueError(f"expected {DURATION_HELP} or a percentage like '33%', got {value!r}") from None
