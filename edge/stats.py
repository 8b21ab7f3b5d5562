"""Counters the admin API reports (``GET /stats``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


class Stats:
    """Per-process request counters; cheap enough for the hit path (dict increments)."""

    def __init__(self) -> None:
        self.requests = 0
        self.failovers = 0
        # defaultdict(int) increments about twice as fast as Counter's.
        self.by_result: defaultdict[str, int] = defaultdict(int)
        self.by_detailed: defaultdict[str, int] = defaultdict(int)
        self.by_origin: defaultdict[str, int] = defaultdict(int)
        self.by_status: defaultdict[int, int] = defaultdict(int)
        self.origin_attempts: defaultdict[str, int] = defaultdict(int)

    def count(self, result_type: str, detailed: str, status: int, origin_id: str) -> None:
        self.requests += 1
        self.by_result[result_type] += 1
        self.by_detailed[detailed] += 1
        self.by_status[status] += 1
        if origin_id:
            self.by_origin[origin_id] += 1

    def as_json(self, cache_objects: int) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_result": dict(self.by_result),
            "by_detailed_result": dict(self.by_detailed),
            "by_origin": dict(self.by_origin),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "origin_attempts": dict(self.origin_attempts),
            "failovers": self.failovers,
            "cache_objects": cache_objects,
        }
