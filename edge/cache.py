"""The in-memory object cache of one POP.

A dict from cache key to :class:`CacheEntry`. Entries keep what a later hit
needs to answer without touching the origin: status, the origin's headers
(``X-Origin-Id`` included), the body, when it was stored and for how long.
Freshness is decided from ``now`` passed in, so it is tested without clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.cachekey import CacheKey


@dataclass(frozen=True)
class CacheEntry:
    """One stored origin response."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float
    ttl: float
    origin_id: str = ""
    is_error: bool = False
    header_bytes: int = 0  # wire size of ``headers``, for the log's sc-bytes

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl

    def age(self, now: float) -> int:
        """Seconds since it was stored: the viewer's ``Age`` header."""
        return max(0, int(now - self.stored_at))


class Cache:
    """Cache entries by key, with a bound on the number of objects."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[CacheKey, CacheEntry] = {}
        self.max_entries = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: CacheKey, now: float) -> CacheEntry | None:
        """The fresh entry for ``key``, or None (an expired entry is kept for revalidation)."""
        entry = self._entries.get(key)
        if entry is not None and now - entry.stored_at < entry.ttl:
            return entry
        return None

    def peek(self, key: CacheKey) -> CacheEntry | None:
        """The entry for ``key`` whether fresh or not."""
        return self._entries.get(key)

    def store(self, key: CacheKey, entry: CacheEntry) -> None:
        if key not in self._entries and len(self._entries) >= self.max_entries:
            # Evict the oldest insertion: dicts keep order, so this is O(1).
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = entry

    def invalidate(self, path_prefix: str, exact: bool) -> int:
        """Drop entries whose path equals (or starts with) ``path_prefix``; returns how many."""
        doomed = [k for k in self._entries
                  if (k[1] == path_prefix if exact else k[1].startswith(path_prefix))]
        for k in doomed:
            del self._entries[k]
        return len(doomed)
