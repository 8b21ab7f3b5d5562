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


class Sightings:
    """Keys seen once, by hash: :meth:`again` is True for a key marked not long ago, and marks
    it otherwise, so a memo can take a key only when it comes again. Something asking for
    ever new keys (a viewer walking 200,000 objects at random) would otherwise fill a memo with
    ones that never repeat, each a few objects the collector walks until they are evicted.

    A byte a slot, by the hash's low bits, holds 8 more bits of the hash of the key last
    marked there; every ``slots // 1024`` marks the next of 64 parts of the table is zeroed
    (16 KiB of the viewer heads' 1 MiB, a few microseconds), so a mark lasts up to
    ``slots // 16`` marks and at most 1 in 16 slots is marked. A key taken on its first
    sighting for another's mark is 1 in 4,000 or fewer. A set of the hashes cleared when full
    held the loop 1.7-2.1 ms freeing its 65,536 ints, and zeroing the whole table at once
    0.3-0.8 ms.
    """

    __slots__ = ("_empty", "_marks", "_table", "part_marks", "parts", "slots")

    def __init__(self, slots: int = 1 << 20) -> None:
        if slots < 1 << 16 or slots & (slots - 1):
            raise ValueError(f"slots must be a power of two of at least 65,536, not {slots}")
        self.slots, self.parts, self.part_marks = slots, 64, slots // 1024
        self._table = bytearray(slots)
        self._empty = bytes(slots // self.parts)
        self._marks = 0

    def again(self, seen: int) -> bool:
        """True when a key of hash ``seen`` was marked (recently); else it is marked now."""
        slot, tag = seen & (self.slots - 1), (seen >> 20) & 255 or 1
        table = self._table
        if table[slot] == tag:
            return True
        self._marks += 1
        if self._marks % self.part_marks == 0:  # the oldest part of the table starts again
            size = len(self._empty)
            start = (self._marks // self.part_marks) % self.parts * size
            table[start:start + size] = self._empty
        table[slot] = tag
        return False

    def marked(self, seen: int) -> bool:
        """Whether a key of hash ``seen`` is marked now (what :meth:`again` would answer)."""
        return self._table[seen & (self.slots - 1)] == ((seen >> 20) & 255 or 1)

    def count(self) -> int:
        """Slots marked now."""
        return len(self._table) - self._table.count(0)
