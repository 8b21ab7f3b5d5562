"""The TTL decision (reference: CloudFront "Expiration" rules), as a table."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from edge.config.policies import MANAGED_BY_NAME, CachePolicy
from edge.core.ttl import error_ttl, object_ttl, parse_cache_control, response_ttl, storage_ttl

NOW = 1_764_333_000.0
OPTIMIZED = MANAGED_BY_NAME["CachingOptimized"]          # 1 / 86400 / 31536000
DISABLED = MANAGED_BY_NAME["CachingDisabled"]            # 0 / 0 / 0
ORIGIN_CC = MANAGED_BY_NAME["UseOriginCacheControlHeaders"]  # 0 / 0 / 31536000
MIN60 = CachePolicy("min60", 60, 300, 600)
MAX100 = CachePolicy("max100", 0, 50, 100)


def _expires(delta: float) -> str:
    return formatdate(NOW + delta, usegmt=True)


@pytest.mark.parametrize(("policy", "cache_control", "expires", "ttl"), [
    (OPTIMIZED, "public, max-age=3600", None, 3600),
    (OPTIMIZED, "max-age=60, s-maxage=5", None, 5),            # s-maxage beats max-age
    (OPTIMIZED, "max-age=0", None, 1),                          # raised to MinTTL 1
    (OPTIMIZED, None, None, 86400),                             # no header: DefaultTTL
    (OPTIMIZED, None, _expires(120), 120),                      # Expires - now
    (OPTIMIZED, "max-age=30", _expires(120), 30),               # max-age beats Expires
    (OPTIMIZED, None, "not a date", 1),                         # invalid Expires: expired
    (OPTIMIZED, "no-store", None, 1),                           # MinTTL > 0 overrides no-store
    (OPTIMIZED, "private, max-age=60", None, 1),
    (ORIGIN_CC, "no-store", None, None),                        # MinTTL 0: not cached
    (ORIGIN_CC, "no-cache", None, None),
    (ORIGIN_CC, None, None, None),                              # DefaultTTL 0: not cached
    (ORIGIN_CC, "max-age=10", None, 10),
    (DISABLED, "max-age=3600", None, None),                     # CachingDisabled stores nothing
    (MIN60, "max-age=5", None, 60),                             # min(max(5, 60), 600)
    (MIN60, "max-age=5000", None, 600),                         # capped at MaxTTL
    (MIN60, None, None, 300),
    (MAX100, "max-age=1000", None, 100),
    (MAX100, "max-age=abc", None, 50),                          # unparsable: as if absent
])
def test_object_ttl(policy: CachePolicy, cache_control: str | None, expires: str | None,
                    ttl: int | None) -> None:
    assert object_ttl(policy, cache_control, expires, NOW) == ttl


@pytest.mark.parametrize(("policy", "status", "cache_control", "min_ttl", "ttl"), [
    (OPTIMIZED, 503, None, None, 10),               # default ErrorCachingMinTTL
    (OPTIMIZED, 404, None, None, 10),
    (OPTIMIZED, 502, "max-age=60", None, 60),       # origin max-age above the floor
    (OPTIMIZED, 500, "max-age=2", None, 10),        # ... below it: the floor wins
    (OPTIMIZED, 503, None, 0, None),                # ErrorCachingMinTTL 0 disables
    (OPTIMIZED, 504, None, 30, 30),
    (OPTIMIZED, 403, None, None, None),             # 403 only with max-age
    (OPTIMIZED, 403, "max-age=20", None, 20),
    (OPTIMIZED, 416, "max-age=20", None, None),     # never cached
    (OPTIMIZED, 429, None, None, None),
    (DISABLED, 503, None, None, None),              # CachingDisabled: errors neither
    (MAX100, 503, "max-age=1000", None, 100),       # header capped at MaxTTL
])
def test_error_ttl(policy: CachePolicy, status: int, cache_control: str | None,
                   min_ttl: int | None, ttl: int | None) -> None:
    assert error_ttl(policy, status, cache_control, None, NOW, min_ttl) == ttl


@pytest.mark.parametrize(("status", "ttl"), [(200, 3600), (301, 3600), (503, 3600), (100, None),
                                             (304, None), (416, None)])
def test_response_ttl_routes_by_status(status: int, ttl: int | None) -> None:
    assert response_ttl(OPTIMIZED, status, "max-age=3600", None, NOW) == ttl


@pytest.mark.parametrize(("status", "cache_control", "ttl"), [
    (307, None, None), (308, None, None),             # no Cache-Control: passed on, not stored
    (307, "max-age=60", 60), (308, "public", 86400),  # with one: stored like any object
    (301, None, 86400), (302, None, 86400),           # other redirects: DefaultTTL as before
])
def test_307_and_308_are_cached_only_with_cache_control(status: int, cache_control: str | None,
                                                         ttl: int | None) -> None:
    assert response_ttl(OPTIMIZED, status, cache_control, None, NOW) == ttl


def test_parse_cache_control() -> None:
    assert parse_cache_control('Public, MAX-AGE="60", stale-if-error=30,,') == {
        "public": None, "max-age": "60", "stale-if-error": "30"}
    assert parse_cache_control(None) == {}


def test_storage_ttl_never_stores_head_answers() -> None:
    assert storage_ttl(OPTIMIZED, "HEAD", 200, "max-age=60", None, NOW) is None
    assert storage_ttl(OPTIMIZED, "GET", 200, "max-age=60", None, NOW) == 60
    assert storage_ttl(OPTIMIZED, "GET", 502, None, None, NOW) == 10   # the edge's own 502
