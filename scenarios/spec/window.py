"""Metrics of the last few seconds of viewer requests: what abort rules and steady-state checks read.

The runner feeds every row of ``requests.csv`` (as Locust appends it) into a
:class:`SlidingWindow`; rules ask for the metrics of the rows *sent* within a time range.
Pure: the caller passes the times, nothing here reads a clock or a file.

Window metrics (the names abort rules and ``steady_state.checks`` use):
``error_ratio``, ``success_ratio``, ``requests``, ``requests_per_s``,
``latency_ms.p50``, ``latency_ms.p95``, ``latency_ms.p99``, ``latency_ms.max``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from contracts.requests_csv import ERROR as _ERROR
from contracts.requests_csv import LATENCY_MS as _LATENCY
from contracts.requests_csv import OK as _OK
from contracts.requests_csv import ORIGIN as _ORIGIN
from contracts.requests_csv import TS as _TS
from contracts.requests_csv import X_CACHE as _X_CACHE
from contracts.requests_csv import interrupted

WINDOW_METRICS = ("error_ratio", "success_ratio", "requests", "requests_per_s",
                  "latency_ms.p50", "latency_ms.p95", "latency_ms.p99", "latency_ms.max")



@dataclass(frozen=True)
class Row:
    """The part of a request row the window and the progress line need."""

    ts: float
    latency_ms: float
    ok: bool
    x_cache: str = ""
    origin: str = ""


def parse_row(line: str) -> Row | None:
    """A complete CSV line as a :class:`Row`; None for the header and malformed lines."""
    cols = line.split(",")
    if len(cols) < 12 or interrupted(cols[_ERROR]):  # cut short by the end: neither ok nor error
        return None
    try:
        return Row(float(cols[_TS]), float(cols[_LATENCY] or 0.0), cols[_OK] == "1",
                   cols[_X_CACHE], cols[_ORIGIN])
    except ValueError:
        return None


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (the window is small: no interpolation)."""
    index = max(0, min(len(sorted_values) - 1, math.ceil(q / 100.0 * len(sorted_values)) - 1))
    return sorted_values[index]


def metrics_of(rows: list[Row], span_s: float) -> dict[str, float | None]:
    """Every window metric over ``rows`` sent within a span of ``span_s`` seconds."""
    count = len(rows)
    if count == 0:
        return {name: (0.0 if name in ("requests", "requests_per_s") else None) for name in WINDOW_METRICS}
    errors = sum(1 for r in rows if not r.ok)
    latencies = sorted(r.latency_ms for r in rows)
    return {
        "error_ratio": errors / count,
        "success_ratio": 1.0 - errors / count,
        "requests": float(count),
        "requests_per_s": count / span_s if span_s > 0 else float(count),
        "latency_ms.p50": _percentile(latencies, 50),
        "latency_ms.p95": _percentile(latencies, 95),
        "latency_ms.p99": _percentile(latencies, 99),
        "latency_ms.max": latencies[-1],
    }


class SlidingWindow:
    """Rows of the last ``horizon_s`` seconds (by send time), oldest first."""

    def __init__(self, horizon_s: float) -> None:
        self.horizon_s = horizon_s
        self.rows: deque[Row] = deque()
        self.newest = 0.0

    def add(self, row: Row) -> None:
        self.rows.append(row)
        self.newest = max(self.newest, row.ts)
        # Rows arrive roughly in send order; a slow request logged late is still kept if recent.
        while self.rows and self.rows[0].ts < self.newest - self.horizon_s:
            self.rows.popleft()

    def between(self, lo: float, hi: float) -> list[Row]:
        return [r for r in self.rows if lo <= r.ts < hi]

    def metrics(self, lo: float, hi: float) -> dict[str, float | None]:
        """The window metrics of the rows sent in ``[lo, hi)``."""
        return metrics_of(self.between(lo, hi), hi - lo)
