"""A bounded memo: at most ``size`` values by key, the oldest forgotten first.

The hot path remembers what repeats (parsed request heads, edge-code events, policy heads).
Forgetting the oldest keeps a working set larger than the memo useful, where clearing the
whole memo when full made 10,000 distinct heads miss nearly always. The order is kept in a
deque: ``del d[next(iter(d))]`` on a plain dict looks the same but walks over the slots
its earlier deletions left at the front, so with every key new it cost more each time (a
hit with every request head different fell from 41,000 to 24,000 a CPU-second).

A memo that evicts as it adds collects both young generations every
:data:`YOUNG_COLLECT_EVERY` evictions. CPython counts a generation-0 collection due when
allocations of tracked objects outnumber deallocations by 700; an entry evicted for each one
added keeps that count level, so the new entries (tuples, tracked until a collection finds
they hold only strings and numbers and stops tracking them) piled up in generation 0 until
something else set a collection off: under 200,000 objects at random, 55,000-61,000 tuples,
a 14 ms pause. A collection stops tracking one level of nested tuples (a parsed head's
header pairs, then the tuple of them, then its entry), so what survives a generation-0
collection alone piled up in generation 1 instead (32,000 tuples, 8 ms); collecting
generation 1 too moves what survives to generation 2, which no collection walks while
viewers are served (edge/pop/loop_health.py).
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

YOUNG_COLLECT_EVERY = 256

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """``get(key)`` is the dict's own (no Python frame on a hit); ``put`` adds and evicts."""

    __slots__ = ("_evictions", "_order", "_values", "get", "size")

    def __init__(self, size: int) -> None:
        self._values: dict[K, V] = {}
        self._order: deque[K] = deque()
        self.size = size
        self._evictions = 0
        self.get: Callable[[K], V | None] = self._values.get

    def put(self, key: K, value: V) -> V:
        if key not in self._values:
            if len(self._order) >= self.size:
                del self._values[self._order.popleft()]
                self._evictions += 1
                if self._evictions % YOUNG_COLLECT_EVERY == 0 and gc.isenabled():
                    gc.collect(1)  # both young generations, about a thousand objects
            self._order.append(key)
        self._values[key] = value
        return value

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        self._values.clear()
        self._order.clear()
