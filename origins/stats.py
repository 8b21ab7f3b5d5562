"""Counts of requests served on the data port, by path and by status.

The status counted is the status line the origin sent; ``0`` means no status line went
out (hang released or abandoned, reset before the response). A truncated body or a
mid-body reset counts under the status it had started to send. ``hanging`` is a gauge:
requests held by a hang fault right now.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

MAX_PATHS = 10_000  # bound memory under a long run with a large catalogue
OTHER = "(other)"


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.by_path: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.hanging = 0

    def record(self, path: str, status: int) -> None:
        self.requests += 1
        if path not in self.by_path and len(self.by_path) >= MAX_PATHS:
            path = OTHER
        self.by_path[path] += 1
        self.by_status[status] += 1

    def to_json(self, origin_id: str) -> dict[str, Any]:
        return {
            "id": origin_id,
            "requests": self.requests,
            "by_path": dict(self.by_path),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "hanging": self.hanging,
        }
