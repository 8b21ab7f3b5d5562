"""What crosses the edge: origin request headers and query, viewer response headers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from edge.config.loader import parse_distribution
from edge.config.model import CacheBehavior
from edge.config.policies import MANAGED_BY_NAME, legacy_policy
from edge.core.forwarding import (
    ALL_VIEWER,
    origin_query,
    origin_request_headers,
    viewer_response_headers,
)
from tests.edge import configs

DIST = parse_distribution(configs.distribution(primary_headers={"X-Origin-Verify": "s3"}))
PRIMARY = DIST.origins["primary"]
STATIC = DIST.behaviors[0]          # CachingOptimized: key has Accept-Encoding only
API = DIST.behaviors[1]             # CachingDisabled


def _with(behavior: CacheBehavior, **changes: object) -> CacheBehavior:
    return replace(behavior, **changes)  # type: ignore[arg-type]


VIEWER = [("Host", "d.test"), ("User-Agent", "curl/8"), ("Cookie", "a=1"),
          ("Accept-Encoding", "gzip"), ("If-None-Match", '"x"'), ("Connection", "keep-alive"),
          ("X-Origin-Verify", "forged"), ("Authorization", "Bearer v")]


def test_minimal_forwarding_by_default() -> None:
    out = origin_request_headers(VIEWER, API, PRIMARY, "rid==", "192.0.2.1")
    assert out == {"host": "primary.origin.example.com", "x-origin-verify": "s3",
                   "x-forwarded-for": "192.0.2.1", "x-amz-cf-id": "rid==",
                   "user-agent": "Amazon CloudFront"}


def test_cache_key_items_are_forwarded() -> None:
    out = origin_request_headers(VIEWER, STATIC, PRIMARY, "rid==", "192.0.2.1")
    assert out["accept-encoding"] == "gzip" and "cookie" not in out


def test_all_viewer_policy_forwards_everything_but_hop_by_hop_and_conditionals() -> None:
    out = origin_request_headers(VIEWER + [("X-Forwarded-For", "203.0.113.5")], API, PRIMARY,
                                 "rid==", "192.0.2.1", ALL_VIEWER)
    assert out["host"] == "d.test" and out["user-agent"] == "curl/8"
    assert out["cookie"] == "a=1" and out["authorization"] == "Bearer v"
    assert out["x-origin-verify"] == "s3"                 # custom header still wins
    assert out["x-forwarded-for"] == "203.0.113.5, 192.0.2.1"
    assert "connection" not in out and "if-none-match" not in out


@pytest.mark.parametrize(("behavior", "query", "expected"), [
    (API, "a=1&b=2", ""),
    (_with(API, origin_request_policy_id=ALL_VIEWER), "a=1&b=2", "a=1&b=2"),
    (_with(API, policy=MANAGED_BY_NAME["UseOriginCacheControlHeaders-QueryStrings"]),
     "b=2&a=1", "b=2&a=1"),
    # Legacy QueryString: true forwards every query string; QueryStringCacheKeys is the key only.
    (_with(API, policy=legacy_policy(0, 1, 2, query_string=True, query_string_names=("v",),
                                     headers=(), cookies="none", cookie_names=())),
     "x=1&v=2&v=3", "x=1&v=2&v=3"),
    # A cache policy's whitelist forwards only the listed query strings.
    (_with(API, policy=replace(MANAGED_BY_NAME["CachingOptimized"], query_strings="whitelist",
                               query_string_names=("v",))), "x=1&v=2", "v=2"),
    (API, "", ""),
])
def test_origin_query(behavior: CacheBehavior, query: str, expected: str) -> None:
    assert origin_query(behavior, query) == expected


def _policy(**fields: object) -> CacheBehavior:
    return _with(API, policy=replace(MANAGED_BY_NAME["CachingDisabled"], **fields))


@pytest.mark.parametrize(("behavior", "viewer", "expected"), [
    # A cookie whitelist forwards only the listed cookies; allExcept all but them.
    (_policy(cookies="whitelist", cookie_names=("session",)), [("Cookie", "a=1; session=s; b=2")],
     {"cookie": "session=s"}),
    (_policy(cookies="allExcept", cookie_names=("a",)), [("Cookie", "a=1; session=s; b=2")],
     {"cookie": "session=s; b=2"}),
    (_policy(cookies="whitelist", cookie_names=("session",)), [("Cookie", "a=1")], {}),
    (_policy(cookies="all"), [("Cookie", "a=1; b=2")], {"cookie": "a=1; b=2"}),
    # With gzip/br on, the origin gets the normalised Accept-Encoding, or none.
    (STATIC, [("Accept-Encoding", "deflate, gzip;q=0.8, br")], {"accept-encoding": "br,gzip"}),
    (_policy(accept_encoding_gzip=True), [("Accept-Encoding", "br, gzip")], {"accept-encoding": "gzip"}),
    (STATIC, [("Accept-Encoding", "deflate")], {}),
    # Nothing in the key: neither goes.
    (API, [("Cookie", "a=1"), ("Accept-Encoding", "gzip")], {}),
])
def test_what_reaches_the_origin_is_what_the_key_has(behavior: CacheBehavior, viewer: list[tuple[str, str]],
                                                     expected: dict[str, str]) -> None:
    out = origin_request_headers(viewer, behavior, PRIMARY, "rid==", "192.0.2.1")
    assert {k: v for k, v in out.items() if k in ("cookie", "accept-encoding")} == expected


def test_all_viewer_forwards_cookies_and_encodings_as_sent() -> None:
    behavior = _with(STATIC, policy=replace(STATIC.policy, cookies="whitelist", cookie_names=("s",)))
    out = origin_request_headers([("Cookie", "a=1; s=2"), ("Accept-Encoding", "deflate, gzip")], behavior,
                                 PRIMARY, "rid==", "192.0.2.1", ALL_VIEWER)
    assert (out["cookie"], out["accept-encoding"]) == ("a=1; s=2", "deflate, gzip")


def test_viewer_response_headers() -> None:
    kept = viewer_response_headers([("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"),
                                    ("Age", "100"), ("X-Cache", "Hit from elsewhere"),
                                    ("X-Origin-Id", "primary"), ("Content-Length", "5")])
    assert kept == (("Content-Type", "text/plain"), ("X-Origin-Id", "primary"),
                    ("Server", "CloudFront"))
    assert viewer_response_headers({"Server": "gunicorn"}) == (("Server", "gunicorn"),)
