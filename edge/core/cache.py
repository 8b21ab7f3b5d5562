"""The in-memory object cache of one POP (or of the regional tier).

A dict from cache key to :class:`CacheEntry`. Entries keep what a later hit
needs to answer without touching the origin: status, the origin's headers
(``X-Origin-Id`` included), the body, when it was stored and for how long, the
validators for revalidation (ETag, Last-Modified) and the stale windows the
origin allowed. Freshness is decided from ``now`` passed in, so it is tested
without clocks. Expired entries stay until evicted or invalidated: they are
what revalidation and stale-serving work from.

The cache is bounded in **bytes** (``--cache-size``, like nginx's ``max_size``; default
1 GiB a POP): each entry counts its body, its rendered head and a fixed
:data:`ENTRY_OVERHEAD` for the key and the objects around it. When a new entry would pass
the bound, the least recently used entries go first (a hit or a store makes an entry the
most recent; CloudFront too evicts less-used objects). An object larger than the whole
cache is not stored.
"""

from __future__ import annotations

from collections import OrderedDict
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


DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB a POP
# Bytes a stored object costs beyond its body, head and length line: the key tuple and its
# strings, the headers tuple, the entry and its fields, the ordered dict's slot. Measured
# with tracemalloc over 20,000 objects of 1 KiB (CPython 3.11): 798 bytes an object beyond the
# body, of which 128 are the rendered head and length line.
ENTRY_OVERHEAD = 700


def entry_size(entry: CacheEntry) -> int:
    return len(entry.body) + len(entry.head) + len(entry.length_line) + ENTRY_OVERHEAD


class Cache:
    """Cache entries by key, bounded in bytes, least recently used evicted first."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._entries: OrderedDict[CacheKey, CacheEntry] = OrderedDict()
        self.max_bytes = max_bytes
        self.bytes = 0  # what the stored entries count (entry_size), for /stats
        self.evicted = 0
        self.stores = 0  # entries stored so far (edge/pop/loop_health.py freezes after a number of them)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: CacheKey, now: float) -> CacheEntry | None:
        """The fresh entry for ``key`` (now the most recently used), or None (an expired entry
        is kept for revalidation)."""
        entry = self._entries.get(key)
        if entry is not None and now - entry.stored_at < entry.ttl:
            self._entries.move_to_end(key)
            return entry
        return None

    def peek(self, key: CacheKey) -> CacheEntry | None:
        """The entry for ``key`` whether fresh or not."""
        return self._entries.get(key)

    def store(self, key: CacheKey, entry: CacheEntry) -> None:
        size = entry_size(entry)
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= entry_size(old)
        if size > self.max_bytes:
            return  # larger than the whole cache: passed on, never stored
        while self._entries and self.bytes + size > self.max_bytes:
            _key, evicted = self._entries.popitem(last=False)  # the least recently used
            self.bytes -= entry_size(evicted)
            self.evicted += 1
        self._entries[key] = entry
        self.bytes += size
        self.stores += 1

    def invalidate(self, path_prefix: str, exact: bool) -> int:
        """Drop every variant whose URL (path, plus ``?query`` when the key has one)
        equals ``path_prefix`` (or starts with it); returns how many."""
        doomed = [k for k in self._entries
                  if (_url(k) == path_prefix if exact else _url(k).startswith(path_prefix))]
        for k in doomed:
            self.bytes -= entry_size(self._entries.pop(k))
        return len(doomed)


def _url(key: CacheKey) -> str:
    """The URL a key stands for: its path, and its query-string part when it has one."""
    if len(key) > 2 and key[2].startswith("?"):
        return key[1] + key[2]
    if len(key) > 3 and key[2] == "OPTIONS" and key[3].startswith("?"):
        return key[1] + key[3]
    return key[1]
