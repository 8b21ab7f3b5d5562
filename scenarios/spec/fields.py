"""Field accessors for validating a scenario file: each failure is one line pointing into the source."""

from __future__ import annotations

from typing import Any

from reports.metrics.thresholds import Condition, parse_condition
from scenarios.errors import ScenarioInputError
from scenarios.spec.durations import parse_duration
from scenarios.spec.yamlsrc import Path_, Source


class Checker:
    """Reads typed values out of a :class:`~scenarios.spec.yamlsrc.Source`, or raises one-line errors."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def fail(self, path: Path_, message: str) -> ScenarioInputError:
        return ScenarioInputError(f"{self.source.where(path)}: {message}")

    def mapping(self, value: Any, path: Path_, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            return_type = type(value).__name__ if value is not None else "nothing"
            raise self.fail(path, f"must be a mapping, got {return_type}")
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    raise self.fail((*path, str(key)), f"unknown key (allowed: {', '.join(allowed)})")
        return value

    def sequence(self, value: Any, path: Path_, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, f"must be a list of {what}")
        return value

    def number(self, value: Any, path: Path_, lo: float, hi: float, integer: bool = False) -> float:
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not lo <= value <= hi:
            kind = "a whole number" if integer else "a number"
            raise self.fail(path, f"must be {kind} within {lo:g}..{hi:g}, got {value!r}")
        return float(value) if not integer else int(value)

    def duration(self, value: Any, path: Path_, lo: float, hi: float) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None
        if not lo <= seconds <= hi:
            raise self.fail(path, f"must be within {lo:g}..{hi:g} s, got {value!r}")
        return seconds

    def condition(self, value: Any, path: Path_) -> Condition:
        try:
            return parse_condition(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None

    def choice(self, value: Any, path: Path_, known: tuple[str, ...], what: str) -> str:
        if value not in known:
            raise self.fail(path, f"unknown {what} {value!r} (known: {', '.join(known)})")
        return str(value)
