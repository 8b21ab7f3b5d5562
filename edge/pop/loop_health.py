"""How long the edge's event loop is held at a time, and keeping the collector off the hot path.

Every viewer waits while the loop runs one callback, so the longest callback is the edge's
worst added latency. Two measures, read by ``GET /stats`` (``loop``):

- ``longest_block_ms``: the longest single run of a viewer's ``data_received`` (a hit is
  answered inside it), of one access-log slice and of one timeout sweep, timed with the
  monotonic clock. A collector pause that starts inside one of them is part of it.
- ``gc``: CPython's collections by generation (count, total and longest pause), from
  ``gc.callbacks``.

The collector: a full collection walks every tracked object, at about 1 us an object here
(they lie among the cached bodies, so each is a cache miss), and every cache entry is one. At
200,000 cached objects that was pauses of 40 ms and more. Cache entries live long and form
no cycles, so once the caches have taken :data:`FREEZE_AFTER_STORES` new objects, the next
sweep (at most one a second, :data:`FREEZE_EVERY_S`) moves every object alive then into the
collector's permanent generation (``gc.freeze()``), which collections no longer walk; the
edge also freezes what start-up made, once, before it serves. A frozen object is still freed
when its last reference goes (an evicted entry, a flushed log record); what freezing costs is
that a cycle among objects alive at a freeze that becomes garbage later is never collected.
Measured: after filling a cache with 60,000 objects (about 60 freezes), unfreezing and
collecting found 63 such objects.
"""

from __future__ import annotations

import gc
import time
from typing import Any

FREEZE_AFTER_STORES = 1000
FREEZE_EVERY_S = 1.0


class LoopHealth:
    """The process's measures (one event loop a process: :data:`HEALTH`)."""

    def __init__(self) -> None:
        self.longest_s = 0.0
        self.longest_where = ""
        self._gc: dict[int, list[float]] = {}  # generation -> [collections, total s, longest s]
        self._gc_started = 0.0
        self.freezes = 0
        self._stores_at_freeze = 0
        self._frozen_at = float("-inf")

    def held(self, seconds: float, where: str) -> None:
        """The loop was held ``seconds`` by ``where`` (kept if the longest so far)."""
        if seconds > self.longest_s:
            self.longest_s = seconds
            self.longest_where = where

    def install(self) -> None:
        """Time the collector's pauses (idempotent)."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def uninstall(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        slot = self._gc.setdefault(info["generation"], [0, 0.0, 0.0])
        slot[0] += 1
        slot[1] += took
        slot[2] = max(slot[2], took)

    def tick(self, stores: int, now: float) -> bool:
        """Called once a sweep with the caches' total stores so far; True when it froze."""
        if stores - self._stores_at_freeze < FREEZE_AFTER_STORES or now - self._frozen_at < FREEZE_EVERY_S:
            return False
        gc.freeze()
        self.freezes += 1
        self._stores_at_freeze = stores
        self._frozen_at = now
        return True

    def as_json(self) -> dict[str, Any]:
        return {
            "longest_block_ms": round(self.longest_s * 1000, 3),
            "longest_block_in": self.longest_where,
            "gc": {f"gen{g}": {"collections": int(n), "total_ms": round(total * 1000, 1),
                               "longest_ms": round(longest * 1000, 3)}
                   for g, (n, total, longest) in sorted(self._gc.items())},
            "gc_freezes": self.freezes,
            "gc_frozen_objects": gc.get_freeze_count(),
        }


HEALTH = LoopHealth()
