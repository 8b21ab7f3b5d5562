"""Counters the admin API reports (``GET /stats``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


class Stats:
    """Per-POP request counters, cheap enough for the hit path.

    A request is one increment of ``(result, detailed, status, origin)``; the per-field
    tallies are summed only when someone asks (``as_json``).
    """

    def __init__(self) -> None:
        self.failovers = 0
        self.outcomes: defaultdict[tuple[str, str, int, str], int] = defaultdict(int)
        self.origin_attempts: defaultdict[str, int] = defaultdict(int)
        # CloudFront Functions: invocations by (function, outcome) and CPU milliseconds by function
        self.functions: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.function_cpu_ms: defaultdict[str, float] = defaultdict(float)

    def function(self, name: str, outcome: str, cpu_ms: float) -> None:
        self.functions[(name, outcome)] += 1
        self.function_cpu_ms[name] += cpu_ms

    def count(self, result_type: str, detailed: str, status: int, origin_id: str) -> None:
        self.outcomes[(result_type, detailed, status, origin_id)] += 1

    @property
    def requests(self) -> int:
        return sum(self.outcomes.values())

    def as_json(self, cache_objects: int) -> dict[str, Any]:
        by_result: defaultdict[str, int] = defaultdict(int)
        by_detailed: defaultdict[str, int] = defaultdict(int)
        by_status: defaultdict[str, int] = defaultdict(int)
        by_origin: defaultdict[str, int] = defaultdict(int)
        for (result, detailed, status, origin), n in list(self.outcomes.items()):
            by_result[result] += n
            by_detailed[detailed] += n
            by_status[str(status)] += n
            if origin:
                by_origin[origin] += n
        return {
            "requests": self.requests,
            "by_result": dict(by_result),
            "by_detailed_result": dict(by_detailed),
            "by_origin": dict(by_origin),
            "by_status": dict(by_status),
            "origin_attempts": dict(self.origin_attempts),
            "failovers": self.failovers,
            "cache_objects": cache_objects,
            "functions": self._functions(),
        }

    def _functions(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for (name, outcome), n in list(self.functions.items()):
            entry = out.setdefault(name, {"invocations": 0, "by_outcome": {}, "cpu_ms": 0.0})
            entry["invocations"] += n
            entry["by_outcome"][outcome] = n
        for name, entry in out.items():
            entry["cpu_ms"] = round(self.function_cpu_ms[name], 3)
        return out
