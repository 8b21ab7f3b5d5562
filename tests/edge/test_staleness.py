"""The pure decisions behind stale serving, revalidation and the collapsing opt-out."""

from __future__ import annotations

import pytest

from edge.core.cache import CacheEntry
from edge.core.staleness import (
    StaleWindows,
    collapsible,
    revalidation_headers,
    serve_while_revalidating,
    stale_on_error,
    stale_windows,
)

NOW = 1_000_000.0


def entry(ttl: float = 60, age: float = 0, swr: int = 0, sie: int | None = None,
          max_ttl: int = 31536000, etag: str | None = None, last_modified: str | None = None,
          is_error: bool = False) -> CacheEntry:
    return CacheEntry(200, (), b"x", NOW - age, ttl, is_error=is_error, etag=etag,
                      last_modified=last_modified, stale_while_revalidate=swr,
                      stale_if_error=sie, max_ttl=max_ttl)


@pytest.mark.parametrize("cache_control, max_ttl, expected", [
    ("max-age=60", 100, StaleWindows(0, None)),
    ("max-age=60, stale-while-revalidate=30", 100, StaleWindows(30, None)),
    ("max-age=60, stale-if-error=500", 100, StaleWindows(0, 100)),        # capped at MaxTTL
    ("stale-if-error=0", 100, StaleWindows(0, 0)),
    ("stale-while-revalidate=junk, stale-if-error=5", 100, StaleWindows(0, 5)),
    (None, 100, StaleWindows(0, None)),
])
def test_stale_windows_are_read_and_capped(cache_control: str | None, max_ttl: int,
                                           expected: StaleWindows) -> None:
    assert stale_windows(cache_control, max_ttl) == expected


def test_revalidation_uses_the_stored_validators() -> None:
    both = entry(etag='"a"', last_modified="Thu, 01 Jan 2026 00:00:00 GMT")
    assert revalidation_headers(both) == {"if-none-match": '"a"',
                                          "if-modified-since": "Thu, 01 Jan 2026 00:00:00 GMT"}
    assert revalidation_headers(entry()) == {}


@pytest.mark.parametrize("age, expected", [(50, False), (61, True), (89, True), (91, False)])
def test_stale_while_revalidate_window(age: float, expected: bool) -> None:
    assert serve_while_revalidating(entry(ttl=60, age=age, swr=30), NOW) is expected


@pytest.mark.parametrize("stale, status, min_ttl, expected", [
    (entry(age=70), 503, None, 10.0),             # no directive: ErrorCachingMinTTL (10 s)
    (entry(age=70), None, 5, 5.0),                # unreachable origin, the rule's own TTL
    (entry(age=70), 404, None, None),             # a 4xx is returned
    (entry(age=70), 200, None, None),
    (entry(age=70, sie=30), 500, None, 0.0),      # inside stale-if-error: serve, retry next
    (entry(age=100, sie=30), 500, None, None),    # outside it
    (entry(age=70, sie=0), 502, None, None),      # stale-if-error=0 opts out
    (entry(age=70, max_ttl=65), 500, None, None),  # past MaxTTL the object is gone
    (entry(age=70, is_error=True), 500, None, None),
])
def test_stale_on_error(stale: CacheEntry, status: int | None, min_ttl: int | None,
                        expected: float | None) -> None:
    assert stale_on_error(stale, NOW, status, min_ttl) == expected


@pytest.mark.parametrize("min_ttl, cache_control, expected", [
    (0, "max-age=60", True),
    (0, "no-store", False), (0, "private, max-age=60", False), (0, "no-cache", False),
    (0, "max-age=0", False), (0, "s-maxage=0, max-age=60", False),
    (1, "no-store", True),                        # MinTTL > 0: collapsing regardless
    (0, None, True),
])
def test_collapsing_opt_out(min_ttl: int, cache_control: str | None, expected: bool) -> None:
    assert collapsible(min_ttl, cache_control) is expected
