"""Live numbers for the chaos panel, from the rows of ``requests.csv`` as they are written.

Pure: rows in, a snapshot out, ``now`` passed in. Three spans, each labelled on the panel:
*now* is the last complete second (rows are logged when a request completes, so a second is
complete ``LAG_S`` after it ends; requests sent in it, as the report bins them); the *10 s*
window says the trend; totals cover the whole run. ``series`` holds the last
``HISTORY_S`` complete seconds for the panel's charts. The metric definitions are the
report's: hit ratio = (Hit + RefreshHit) / (Hit + RefreshHit + Miss), errors apart.

For a fault the panel names (:meth:`LiveStats.watch`), ``failover`` gives the time from its
start to the completion of the first successful miss sent after it that another origin
served: the report's ``time_to_failover_s``, live.

"Share per origin" is taken over *misses* (and errors that an origin answered): a hit carries
the ``X-Origin-Id`` of whichever origin filled the cache, perhaps minutes ago, so only
misses say which origin answers *now*.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts.requests_csv import ERROR, LATENCY_MS, OK, ORIGIN, TS, X_CACHE, interrupted
from contracts.requests_csv import HIT_WORDS as HITS

WINDOW_S = 10.0
LAG_S = 1.5  # rows of a second are all logged this long after it ends (flush + completion)
HISTORY_S = 180  # seconds of per-second figures kept for the charts


@dataclass
class _Counts:
    hits: int = 0
    misses: int = 0
    errors: int = 0
    requests: int = 0
    miss_origins: Counter[str] = field(default_factory=Counter)

    def add(self, x_cache: str, origin: str, ok: bool, sign: int = 1) -> None:
        self.requests += sign
        if not ok:
            self.errors += sign
        if x_cache in HITS:
            self.hits += sign
        elif x_cache == "Miss" or (x_cache != "Error" and origin):
            self.misses += sign
            if origin:
                self.miss_origins[origin] += sign

    def hit_ratio(self) -> float | None:
        cached = self.hits + self.misses
        return round(self.hits / cached, 4) if cached else None

    def shares(self) -> dict[str, float]:
        total = sum(n for n in self.miss_origins.values() if n > 0)
        return {o: round(n / total, 4) for o, n in sorted(self.miss_origins.items()) if n > 0 and total}


Row = tuple[float, str, str, bool, float]  # ts, x_cache, origin, ok, latency_ms


class LiveStats:
    """Running totals, a sliding window (by request send time) of the last ``window_s``,
    per-second figures for the charts, and the failover time of watched faults."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self.total = _Counts()
        self.recent = _Counts()
        self._window: deque[Row] = deque()
        self._seconds: dict[int, list[Row]] = {}  # rows by the second they were sent in
        # The figures of a second, kept while its rows and the cuts inside it stay the same:
        # a snapshot recomputes only the seconds that changed, not all HISTORY_S of them.
        self._binned: dict[int, tuple[int, tuple[float, ...], list[dict[str, Any]]]] = {}
        self._cuts: set[float] = set()  # fault edges: no chart bin straddles one
        self._watched: dict[str, tuple[float, str]] = {}  # key -> (start ts, target)
        self._failover: dict[str, float] = {}  # key -> seconds from start to the first other-origin miss

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Take a batch of request rows (tuples or lists in ``requests.csv`` column order)."""
        for row in rows:
            if interrupted(row[ERROR]):  # cut short by the end of the load: not a result
                continue
            ts, x_cache, origin = float(row[TS]), str(row[X_CACHE]), str(row[ORIGIN])
            ok = str(row[OK]) == "1"
            latency_ms = float(row[LATENCY_MS] or 0.0)
            self.total.add(x_cache, origin, ok)
            self.recent.add(x_cache, origin, ok)
            self._window.append((ts, x_cache, origin, ok, latency_ms))
            self._seconds.setdefault(int(ts), []).append((ts, x_cache, origin, ok, latency_ms))
            if ok and x_cache == "Miss" and origin:
                self._check_failover(ts, origin, latency_ms)

    def watch(self, key: str, start_ts: float, target: str) -> None:
        """Time the failover of a fault (``key``) that started at ``start_ts`` on ``target``;
        rows already in the window count too (the panel learns of a fault after its start)."""
        if key in self._watched:
            return
        self._watched[key] = (start_ts, target)
        self._cuts.add(start_ts)
        for ts, x_cache, origin, ok, latency_ms in self._window:
            if ok and x_cache == "Miss" and origin:
                self._check_failover(ts, origin, latency_ms)

    def cut(self, ts: float) -> None:
        """A fault window's end: chart bins are cut there too."""
        self._cuts.add(ts)

    def failover(self, key: str) -> float | None:
        return self._failover.get(key)

    def _check_failover(self, ts: float, origin: str, latency_ms: float) -> None:
        for key, (start, target) in self._watched.items():
            if ts >= start and origin != target:
                done = round(ts + latency_ms / 1000.0 - start, 3)
                if key not in self._failover or done < self._failover[key]:
                    self._failover[key] = done

    def _prune(self, now: float) -> None:
        # Rows arrive in batches, not strictly in send-time order: prune from the left while
        # old enough; a straggler just stays a little longer.
        while self._window and self._window[0][0] < now - self.window_s:
            _ts, x_cache, origin, ok, _latency = self._window.popleft()
            self.recent.add(x_cache, origin, ok, sign=-1)
        for second in [s for s in self._seconds if s < now - HISTORY_S - LAG_S]:
            del self._seconds[second]
            self._binned.pop(second, None)

    @staticmethod
    def _figures(rows: list[Row], start: float, end: float) -> dict[str, Any]:
        counts = _Counts()
        for _ts, x_cache, origin, ok, _latency in rows:
            counts.add(x_cache, origin, ok)
        latencies = sorted(r[4] for r in rows)
        p95 = latencies[max(0, -(-95 * len(latencies) // 100) - 1)] if latencies else None
        width = end - start
        return {"ts": start, "te": end, "requests": counts.requests,
                "rps": round(counts.requests / width, 1) if width > 0 else 0.0, "errors": counts.errors,
                "hit_ratio": counts.hit_ratio(), "miss_share": counts.shares(),
                "p95_ms": None if p95 is None else round(p95, 1)}

    def _bins(self, second: int) -> list[dict[str, Any]]:
        """Second ``second``'s figures, cut at any fault edge inside it (the report's bins)."""
        rows = self._seconds.get(second, [])
        cuts = tuple(sorted(c for c in self._cuts if second < c < second + 1))
        kept = self._binned.get(second)
        if kept is not None and kept[0] == len(rows) and kept[1] == cuts:
            return kept[2]
        edges = [float(second), *cuts, second + 1.0]
        bins = [self._figures([r for r in rows if lo <= r[0] < hi], lo, hi) for lo, hi in zip(edges, edges[1:])]
        self._binned[second] = (len(rows), cuts, bins)
        return bins

    def snapshot(self, now: float) -> dict[str, Any]:
        """The numbers the panel shows, as JSON-able data."""
        self._prune(now)
        last = int(now - LAG_S) - 1  # the last second whose rows are all logged
        first = min(self._seconds, default=last + 1)
        series = [b for k in range(max(first, last - HISTORY_S + 1), last + 1) for b in self._bins(k)]
        return {
            "now": self._figures(self._seconds.get(last, []), last, last + 1),
            "series": series,
            "failover": dict(self._failover),
            "window_s": self.window_s,
            "requests": self.total.requests,
            "errors": self.total.errors,
            "hit_ratio": self.total.hit_ratio(),
            "window": {
                "requests": self.recent.requests,
                "rps": round(self.recent.requests / self.window_s, 1),
                "errors": self.recent.errors,
                "hit_ratio": self.recent.hit_ratio(),
                "miss_share": self.recent.shares(),
            },
            "miss_share": self.total.shares(),
        }
