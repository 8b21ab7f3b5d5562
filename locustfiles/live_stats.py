"""Live numbers for the chaos panel, from the rows of ``requests.csv`` as they are written.

Pure: rows in, a snapshot out, ``now`` passed in. The window is short (10 s) so that a
failover shows within seconds; totals cover the whole run. The metric definitions are the
report's: hit ratio = (Hit + RefreshHit) / (Hit + RefreshHit + Miss), errors apart.

"Share per origin" is taken over *misses* (and errors that an origin answered): a hit carries
the ``X-Origin-Id`` of whichever origin filled the cache, perhaps minutes ago, so only
misses say which origin answers *now*.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts.requests_csv import ERROR, OK, ORIGIN, TS, X_CACHE, interrupted
from contracts.requests_csv import HIT_WORDS as HITS

WINDOW_S = 10.0


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


class LiveStats:
    """Running totals plus a sliding window (by request send time) of the last ``window_s``."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self.total = _Counts()
        self.recent = _Counts()
        self._window: deque[tuple[float, str, str, bool]] = deque()

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Take a batch of request rows (tuples or lists in ``requests.csv`` column order)."""
        for row in rows:
            if interrupted(row[ERROR]):  # cut short by the end of the load: not a result
                continue
            ts, x_cache, origin = float(row[TS]), str(row[X_CACHE]), str(row[ORIGIN])
            ok = str(row[OK]) == "1"
            self.total.add(x_cache, origin, ok)
            self.recent.add(x_cache, origin, ok)
            self._window.append((ts, x_cache, origin, ok))

    def _prune(self, now: float) -> None:
        # Rows arrive in batches, not strictly in send-time order: prune from the left while
        # old enough; a straggler just stays a little longer.
        while self._window and self._window[0][0] < now - self.window_s:
            _ts, x_cache, origin, ok = self._window.popleft()
            self.recent.add(x_cache, origin, ok, sign=-1)

    def snapshot(self, now: float) -> dict[str, Any]:
        """The numbers the panel shows, as JSON-able data."""
        self._prune(now)
        return {
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
