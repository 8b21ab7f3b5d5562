"""Building cache entries from origin answers, and refreshing them after a 304 (no IO)."""

from __future__ import annotations

from dataclasses import replace

from edge.config.policies import CachePolicy
from edge.core.cache import CacheEntry
from edge.core.outcome import Outcome, header_size
from edge.core.staleness import stale_windows
from edge.core.ttl import object_ttl
from edge.core.viewer_http import head_block

# A 304 may update these stored headers; the body and its framing stay as stored.
_NOT_UPDATED_BY_304 = frozenset({"content-length", "content-type", "content-encoding",
                                 "content-range", "transfer-encoding"})


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def make_entry(outcome: Outcome, now: float, ttl: float, policy: CachePolicy) -> CacheEntry:
    """The cache entry for an answer the edge decided to keep for ``ttl`` seconds."""
    headers = outcome.headers
    windows = stale_windows(_header(headers, "cache-control"), policy.max_ttl)
    return CacheEntry(
        status=outcome.status, headers=headers, body=outcome.body, stored_at=now, ttl=ttl,
        origin_id=outcome.origin_id, is_error=outcome.status >= 400,
        header_bytes=outcome.header_bytes,
        etag=_header(headers, "etag"), last_modified=_header(headers, "last-modified"),
        stale_while_revalidate=windows.while_revalidate, stale_if_error=windows.if_error,
        max_ttl=policy.max_ttl, head=head_block(outcome.status, headers),
        content_type=outcome.content_type,
        length_line=b"Content-Length: %d\r\n" % len(outcome.body),
    )


def refreshed(entry: CacheEntry, not_modified_headers: tuple[tuple[str, str], ...],
              policy: CachePolicy, now: float) -> CacheEntry:
    """``entry`` after the origin answered 304: headers updated, freshness restarted.

    The new TTL follows the 304's Cache-Control/Expires when it sent them, else
    the stored ones (the origin vouched the stored object is still current).
    """
    update = {k.lower(): (k, v) for k, v in not_modified_headers
              if k.lower() not in _NOT_UPDATED_BY_304 and k.lower() != "server"}
    kept = [(k, v) for k, v in entry.headers if k.lower() not in update]
    headers = tuple(kept) + tuple(update.values())
    ttl = object_ttl(policy, _header(headers, "cache-control"), _header(headers, "expires"),
                     now) or 0
    windows = stale_windows(_header(headers, "cache-control"), policy.max_ttl)
    return replace(entry, headers=headers, stored_at=now, ttl=ttl,
                   header_bytes=header_size(headers),
                   etag=_header(headers, "etag"), last_modified=_header(headers, "last-modified"),
                   stale_while_revalidate=windows.while_revalidate,
                   stale_if_error=windows.if_error, head=head_block(entry.status, headers))
