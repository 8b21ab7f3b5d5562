"""Cache keys and the in-memory store, without sockets."""

from __future__ import annotations

from pathlib import Path

import pytest
from multidict import CIMultiDict

from edge.config.policies import MANAGED_BY_NAME, legacy_policy
from edge.core.cache import Cache, CacheEntry, entry_size
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


def sized(body_bytes: int) -> CacheEntry:
    return CacheEntry(200, (), b"x" * body_bytes, 0.0, 100.0, "primary")


def test_store_is_bounded_in_bytes_and_invalidation_matches_prefix() -> None:
    one = entry_size(sized(1000))  # 1,000 bytes of body + the fixed overhead
    cache = Cache(max_bytes=3 * one)
    for i in range(5):
        cache.store(("h", f"/p/{i}"), sized(1000))
    assert len(cache) == 3 and cache.bytes == 3 * one and cache.evicted == 2
    assert cache.peek(("h", "/p/0")) is None and cache.peek(("h", "/p/4")) is not None
    assert cache.invalidate("/p/3", exact=True) == 1
    assert cache.invalidate("/p/", exact=False) == 2
    assert len(cache) == 0 and cache.bytes == 0


def test_the_least_recently_used_goes_first() -> None:
    one = entry_size(sized(1000))
    cache = Cache(max_bytes=3 * one)
    for name in ("a", "b", "c"):
        cache.store(("h", f"/{name}"), sized(1000))
    assert cache.lookup(("h", "/a"), 1.0) is not None  # /a is now the most recently used
    cache.store(("h", "/d"), sized(1000))               # so /b goes, not /a
    assert [k[1] for k in cache._entries] == ["/c", "/a", "/d"]
    # A big object takes the room of several small ones; one larger than the cache is not kept.
    cache.store(("h", "/big"), sized(2 * one))
    assert [k[1] for k in cache._entries] == ["/big"]  # all three smaller ones made room
    assert cache.bytes <= cache.max_bytes
    cache.store(("h", "/huge"), sized(4 * one))
    assert cache.peek(("h", "/huge")) is None and cache.bytes <= cache.max_bytes
    # Storing a key again replaces its bytes, it does not add them.
    before = cache.bytes
    cache.store(("h", "/big"), sized(2 * one))
    assert cache.bytes == before

def test_a_small_cache_holds_its_bound_under_many_objects(tmp_path: Path) -> None:
    """--cache-size 1MiB and 3,000 distinct 1 KiB objects (about 5 MiB with overhead): the
    cache stays within its bound, evicts the least recently used, and /stats says so."""
    import aiohttp

    from tests.edge.inproc import get, run, running
    from tests.edge.test_revalidation_stale import single

    async def main() -> None:
        async with running(single(), tmp_path, cache_bytes=1 << 20) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            for i in range(3000):
                origin.replies[f"/o{i}"] = (200, {"Cache-Control": "max-age=600"}, bytes(1024))
            for i in range(3000):
                assert (await get(s, f"{edge.url}/o{i}"))[0] == 200
            pop = edge.pops.edges[0]
            assert pop.cache.bytes <= 1 << 20 and pop.cache.evicted > 2000
            assert 500 < len(pop.cache) < 700  # about 1 MiB / (1 KiB + head + overhead)
            # The newest objects are the ones kept; the first ones are gone.
            assert (await get(s, f"{edge.url}/o2999"))[1]["X-Cache"].startswith("Hit")
            assert (await get(s, f"{edge.url}/o0"))[1]["X-Cache"].startswith("Miss")

    run(main())
