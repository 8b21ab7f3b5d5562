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
        }
