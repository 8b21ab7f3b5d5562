"""What to do with an expired object, without IO.

CloudFront Developer Guide, "Expiration" and "Serving stale content":

* **Revalidation.** An expired object with an ``ETag`` or ``Last-Modified`` is
  fetched with ``If-None-Match`` / ``If-Modified-Since``; a 304 keeps the stored
  body (``RefreshHit``), a 200 replaces it (``Miss``).
* **stale-while-revalidate=N**: for N seconds after expiry the stale object is
  served at once while one background request revalidates it.
* **stale-if-error=N**: for N seconds after expiry, when the origin cannot be
  reached or answers 500-599, the stale object is served instead of the error.
  ``stale-if-error=0`` turns stale-serving off entirely.
* **Expired object + origin 5xx (or unreachable)** without a stale-if-error
  directive: the stale object is served and kept for ErrorCachingMinTTL before
  the origin is tried again. An origin 4xx is returned as is.
* Both windows are capped at the behaviour's MaxTTL.
* **Request collapsing opt-out**: a behaviour with MinTTL 0 whose origin answers
  ``private``, ``no-store``, ``no-cache``, ``max-age=0`` or ``s-maxage=0`` does not
  share one origin response between concurrent viewers.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.core.cache import CacheEntry
from edge.core.ttl import DEFAULT_ERROR_CACHING_MIN_TTL, parse_cache_control

_NO_COLLAPSE_FLAGS = ("private", "no-store", "no-cache")


@dataclass(frozen=True)
class StaleWindows:
    """Seconds past expiry the origin allows stale serving (``None``: not said)."""

    while_revalidate: int = 0
    if_error: int | None = None


def _seconds(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value is not None else None
    except ValueError:
        return None


def stale_windows(cache_control: str | None, max_ttl: int) -> StaleWindows:
    """The origin's ``stale-while-revalidate`` / ``stale-if-error``, capped at MaxTTL."""
    directives = parse_cache_control(cache_control)
    swr = _seconds(directives.get("stale-while-revalidate")) or 0
    sie = _seconds(directives.get("stale-if-error")) if "stale-if-error" in directives else None
    return StaleWindows(min(swr, max_ttl), None if sie is None else min(sie, max_ttl))


def revalidation_headers(entry: CacheEntry) -> dict[str, str]:
    """Conditional headers for refreshing ``entry`` (empty when it has no validators)."""
    headers: dict[str, str] = {}
    if entry.etag:
        headers["if-none-match"] = entry.etag
    if entry.last_modified:
        headers["if-modified-since"] = entry.last_modified
    return headers


def serve_while_revalidating(entry: CacheEntry, now: float) -> bool:
    """Expired, but inside its stale-while-revalidate window."""
    past = now - entry.expires_at
    return 0 <= past < entry.stale_while_revalidate


def origin_failed(status: int | None) -> bool:
    """An origin result that stale content may stand in for: no answer, or 500-599."""
    return status is None or 500 <= status <= 599


def stale_on_error(entry: CacheEntry, now: float, status: int | None,
                   error_caching_min_ttl: int | None) -> float | None:
    """Serve ``entry`` instead of this origin failure? Returns the seconds to keep
    serving it without asking the origin again (0: serve now, retry next time),
    or None to return the error."""
    if entry.is_error or not origin_failed(status):
        return None
    past = now - entry.expires_at
    if entry.stale_if_error is not None:
        return 0.0 if past <= entry.stale_if_error else None
    if now - entry.stored_at > entry.max_ttl:
        return None
    return float(DEFAULT_ERROR_CACHING_MIN_TTL if error_caching_min_ttl is None
                 else error_caching_min_ttl)


def collapsible(min_ttl: int, cache_control: str | None) -> bool:
    """May concurrent viewers of one key share this origin response?"""
    if min_ttl > 0:
        return True
    directives = parse_cache_control(cache_control)
    if any(flag in directives for flag in _NO_COLLAPSE_FLAGS):
        return False
    return all((directives.get(name) or "").strip() != "0" for name in ("max-age", "s-maxage"))
