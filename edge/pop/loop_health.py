"""How long the edge's event loop is held at a time, and keeping the collector off the hot path.

Every viewer waits while the loop runs one callback, so the longest callback is the edge's
worst added latency. Two measures, read by ``GET /stats`` (``loop``):

- ``longest_block_ms``: the longest single run of a viewer's ``data_received`` (a hit is
  answered inside it, and the request that fills an access-log slice formats it), of the
  periodic formatting of a part-filled slice and of one timeout sweep, timed with the
  monotonic clock. A collector pause that starts inside one of them is part of it.
- ``blocks_over_1ms``: how many of those runs took longer than 1 ms (a count, so a benchmark
  can take the difference over one phase of a run);
- ``recent_blocks``: the last :data:`RECENT_BLOCKS` of them, each with when it began
  (``at``, seconds of the monotonic clock, ``CLOCK_MONOTONIC``: the clock ``perf record -k
  CLOCK_MONOTONIC`` stamps its samples with, so a kernel profile shows what the core did
  then; BENCHMARKS.md), how long it took and where;
- ``gc``: CPython's collections by generation (count, total and longest pause), from
  ``gc.callbacks``, with the longest pause's CPU time beside its wall time: a pause whose
  CPU time is far below its wall time was the process waiting for a CPU, not the collector
  working.

Both are wall time: what a viewer waits, whatever the cause.

The collector. A young collection (generations 0 and 1) walks only what was made since the
last ones; a full collection walks every tracked object the process has, at about 1 us an
object here (they lie among the cached bodies, so each is a cache miss): at 200,000 cached
objects, pauses of 40 ms and more, and a load run of random objects kept the collector's
generation 2 at 40,000 objects even with the caches frozen (the memo of parsed request
heads). So, once installed:

- **no full collection while viewers are being served**: generation 2's threshold is set out
  of reach (:data:`NEVER`); young collections go on as CPython schedules them;
- **a full collection when the loop has been idle** for a whole sweep (no viewer sent a byte
  since the last one) and something reached generation 2 since the last full collection.
  That reclaims the reference cycles that outlived the young collections. Its pause holds no
  viewer up unless one arrives during it, so it is reported apart (``idle_collections``) and
  not counted as a block;
- what start-up made is frozen once, before the edge serves, and once the caches have taken
  :data:`FREEZE_AFTER_STORES` new objects, the next sweep (at most one a second,
  :data:`FREEZE_EVERY_S`) moves every object alive then into the permanent generation
  (``gc.freeze()``, constant time), which no collection walks, so the idle collection stays
  short too. A frozen object is still freed when its last reference goes (an evicted entry,
  a flushed log record); what freezing costs is that a cycle among objects alive at a freeze
  that becomes garbage later is never collected. Measured: after filling a cache with
  60,000 objects (about 60 freezes), unfreezing and collecting found 63 such objects.

Under load that never pauses, cycles that outlive the young collections wait for the next
idle second: the edge makes few (the same 60,000-object fill left 63).
"""

from __future__ import annotations

import gc
import time
from collections import deque
from typing import Any

FREEZE_AFTER_STORES = 1000
FREEZE_EVERY_S = 1.0
BLOCK_S = 0.001  # a run of the loop longer than this is counted (blocks_over_1ms)
RECENT_BLOCKS = 16
NEVER = 1 << 30  # generation 2's threshold while installed: counts gen1 collections, so never reached


class LoopHealth:
    """The process's measures (one event loop a process: :data:`HEALTH`)."""

    def __init__(self) -> None:
        self.longest_s = 0.0
        self.longest_where = ""
        self.watch_s = 0.0  # held() is called above this: min(longest so far, BLOCK_S)
        self.blocks_over = 0
        self.recent: deque[tuple[float, float, str]] = deque(maxlen=RECENT_BLOCKS)  # (began, seconds, where)
        # generation -> [collections, total s, longest s, CPU s of the longest]
        self._gc: dict[int, list[float]] = {}
        self._gc_started = self._gc_cpu_started = 0.0
        self.freezes = 0
        self._stores_at_freeze = 0
        self._frozen_at = float("-inf")
        self.busy = False  # a viewer sent bytes since the last tick (set by the viewer protocol)
        self.idle_collections = 0
        self.idle_collect_longest_s = 0.0
        self._thresholds: tuple[int, int, int] | None = None

    def held(self, seconds: float, where: str) -> None:
        """The loop was held ``seconds`` by ``where`` (callers skip it at or below ``watch_s``)."""
        if seconds > BLOCK_S:
            self.blocks_over += 1
            self.recent.append((time.monotonic() - seconds, seconds, where))  # it has just ended
        if seconds > self.longest_s:
            self.longest_s = seconds
            self.longest_where = where
            self.watch_s = min(seconds, BLOCK_S)

    def install(self) -> None:
        """Time the collector's pauses; no automatic full collection (idempotent)."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            gc.set_threshold(self._thresholds[0], self._thresholds[1], NEVER)

    def uninstall(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_cpu_started = time.thread_time()
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        slot = self._gc.setdefault(info["generation"], [0, 0.0, 0.0, 0.0])
        slot[0] += 1
        slot[1] += took
        if took > slot[2]:
            slot[2] = took
            slot[3] = time.thread_time() - self._gc_cpu_started

    def tick(self, stores: int, now: float) -> float:
        """Called once a sweep with the caches' total stores so far: a full collection if the
        loop was idle, else a freeze if due. The seconds the collection took (0.0 if none)."""
        idle, self.busy = not self.busy, False
        if idle and gc.get_count()[2] > 0:  # gen1 collections (promotions) since the last full one
            started = time.perf_counter()
            gc.collect()
            took = time.perf_counter() - started
            self.idle_collections += 1
            self.idle_collect_longest_s = max(self.idle_collect_longest_s, took)
            return took
        if stores - self._stores_at_freeze >= FREEZE_AFTER_STORES and now - self._frozen_at >= FREEZE_EVERY_S:
            gc.freeze()
            self.freezes += 1
            self._stores_at_freeze = stores
            self._frozen_at = now
        return 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "longest_block_ms": round(self.longest_s * 1000, 3),
            "longest_block_in": self.longest_where,
            "blocks_over_1ms": self.blocks_over,
            "recent_blocks": [{"at": round(began, 6), "ms": round(seconds * 1000, 3), "in": where}
                              for began, seconds, where in self.recent],
            "gc": {f"gen{g}": {"collections": int(n), "total_ms": round(total * 1000, 1),
                               "longest_ms": round(longest * 1000, 3),
                               "longest_cpu_ms": round(cpu * 1000, 3)}
                   for g, (n, total, longest, cpu) in sorted(self._gc.items())},
            "gc_freezes": self.freezes,
            "idle_collections": self.idle_collections,
            "idle_collection_longest_ms": round(self.idle_collect_longest_s * 1000, 3),
            "gc_frozen_objects": gc.get_freeze_count(),
        }


HEALTH = LoopHealth()
