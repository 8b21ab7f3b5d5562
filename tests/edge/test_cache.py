"""Cache keys and the in-memory store, without sockets."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from edge.config.policies import MANAGED_BY_NAME, legacy_policy
from edge.core.cache import Cache, CacheEntry
from edge.core.cachekey import cache_key, normalized_accept_encoding

OPTIMIZED = MANAGED_BY_NAME["CachingOptimized"]
NO_AE = MANAGED_BY_NAME["CachingOptimizedForUncompressedObjects"]
WITH_QS = MANAGED_BY_NAME["UseOriginCacheControlHeaders-QueryStrings"]


def key(policy=NO_AE, method="GET", host="d.test", path="/a", query="", **headers: str):  # type: ignore[no-untyped-def]
    return cache_key(policy, method, host, path, query,
                     CIMultiDict({k.replace("_", "-"): v for k, v in headers.items()}))


def test_key_is_host_and_path_by_default() -> None:
    assert key() == ("d.test", "/a")
    assert key(query="v=1") == key()                 # query strings not in the key
    assert key(method="HEAD") == key()               # HEAD shares GET's object
    assert key(method="OPTIONS") != key()            # OPTIONS is cached apart
    assert key(host="other.test") != key()
    assert key(path="/A") != key()                   # paths are case-sensitive


def test_query_strings_in_key_keep_order_and_case() -> None:
    assert key(WITH_QS, query="a=1&b=2") != key(WITH_QS, query="b=2&a=1")
    assert key(WITH_QS, query="a=1") != key(WITH_QS, query="A=1")
    legacy = legacy_policy(0, 10, 100, query_string=True, query_string_names=("v",),
                           headers=(), cookies="none", cookie_names=())
    assert key(legacy, query="v=1&x=2") == key(legacy, query="v=1&x=3")
    assert key(legacy, query="v=1") != key(legacy, query="v=2")


def test_cookies_and_headers_in_key() -> None:
    assert key(WITH_QS, cookie="a=1; b=2") == key(WITH_QS, cookie="b=2;a=1")
    assert key(WITH_QS, cookie="a=1") != key(WITH_QS, cookie="a=2")
    assert key(WITH_QS, origin="https://x") != key(WITH_QS, origin="https://y")
    assert key(NO_AE, origin="https://x") == key(NO_AE, origin="https://y")


@pytest.mark.parametrize(("header", "expected"), [
    ("gzip, deflate, br", "br,gzip"), ("GZIP", "gzip"), ("deflate", ""), (None, ""),
    ("br;q=1.0", "br"),
])
def test_accept_encoding_normalised(header: str | None, expected: str) -> None:
    assert normalized_accept_encoding(header, True, True) == expected


def test_accept_encoding_splits_only_when_the_policy_says_so() -> None:
    assert key(OPTIMIZED, accept_encoding="gzip") != key(OPTIMIZED)
    assert key(OPTIMIZED, accept_encoding="gzip") == key(OPTIMIZED, accept_encoding="gzip, x")
    assert key(NO_AE, accept_encoding="gzip") == key(NO_AE)


def entry(stored_at: float, ttl: float) -> CacheEntry:
    return CacheEntry(200, (("X-Origin-Id", "primary"),), b"x", stored_at, ttl, "primary")


def test_lookup_honours_ttl_and_age() -> None:
    cache = Cache()
    cache.store(("h", "/a"), entry(100.0, 10))
    assert cache.lookup(("h", "/a"), 105.0) is not None
    assert cache.lookup(("h", "/a"), 109.9) is not None
    assert cache.lookup(("h", "/a"), 110.0) is None           # expired at exactly TTL
    assert cache.peek(("h", "/a")) is not None                # kept for revalidation
    assert entry(100.0, 10).age(107.9) == 7


def test_store_is_bounded_and_invalidation_matches_prefix() -> None:
    cache = Cache(max_entries=3)
    for i in range(5):
        cache.store(("h", f"/p/{i}"), entry(0, 100))
    assert len(cache) == 3
    assert cache.peek(("h", "/p/0")) is None and cache.peek(("h", "/p/4")) is not None
    assert cache.invalidate("/p/3", exact=True) == 1
    assert cache.invalidate("/p/", exact=False) == 2
    assert len(cache) == 0
