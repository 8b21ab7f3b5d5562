"""The in-memory object cache of one POP (or of the regional tier).

A dict from cache key to :class:`CacheEntry`. Entries keep what a later hit
needs to answer without touching the origin: status, the origin's headers
(``X-Origin-Id`` included), the body, when it was stored and for how long, the
validators for revalidation (ETag, Last-Modified) and the stale windows the
origin allowed. Freshness is decided from ``now`` passed in, so it is tested
without clocks. Expired entries stay until evicted or invalidated: they are
what revalidation and stale-serving work from.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.core.cachekey import CacheKey


@dataclass(frozen=True)
class CacheEntry:
    """One stored response.

    ``head`` is the wire form of the status line and stored headers, rendered once
    at store time so a hit only appends the per-request headers.
    ``stale_while_revalidate`` / ``stale_if_error`` are seconds past expiry (already
    capped at MaxTTL; ``stale_if_error`` None means the origin said nothing).
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float
    ttl: float
    origin_id: str = ""
    is_error: bool = False
    header_bytes: int = 0  # wire size of ``headers``, for the log's sc-bytes
    etag: str | None = None
    last_modified: str | None = None
    stale_while_revalidate: int = 0
    stale_if_error: int | None = None
    max_ttl: int = 31536000
    head: bytes = b""
    content_type: str | None = None
    length_line: bytes = b""  # ``Content-Length: N\r\n``, rendered once like ``head``

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl

    @property
    def expires_at(self) -> float:
        return self.stored_at + self.ttl

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
        """Drop every variant whose URL (path, plus ``?query`` when the key has one)
        equals ``path_prefix`` (or starts with it); returns how many."""
        doomed = [k for k in self._entries
                  if (_url(k) == path_prefix if exact else _url(k).startswith(path_prefix))]
        for k in doomed:
            del self._entries[k]
        return len(doomed)


def _url(key: CacheKey) -> str:
    """The URL a key stands for: its path, and its query-string part when it has one."""
    if len(key) > 2 and key[2].startswith("?"):
        return key[1] + key[2]
    if len(key) > 3 and key[2] == "OPTIONS" and key[3].startswith("?"):
        return key[1] + key[3]
    return key[1]
