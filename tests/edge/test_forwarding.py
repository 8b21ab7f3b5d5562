"""What crosses the edge: origin request headers and query, viewer response headers."""

from __future__ import annotations

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
    from dataclasses import replace
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
    (_with(API, policy=legacy_policy(0, 1, 2, query_string=True, query_string_names=("v",),
                                     headers=(), cookies="none", cookie_names=())),
     "x=1&v=2&v=3", "v=2&v=3"),
    (API, "", ""),
])
def test_origin_query(behavior: CacheBehavior, query: str, expected: str) -> None:
    assert origin_query(behavior, query) == expected


def test_viewer_response_headers() -> None:
    kept = viewer_response_headers([("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"),
                                    ("Age", "100"), ("X-Cache", "Hit from elsewhere"),
                                    ("X-Origin-Id", "primary"), ("Content-Length", "5")])
    assert kept == (("Content-Type", "text/plain"), ("X-Origin-Id", "primary"),
                    ("Server", "CloudFront"))
    assert viewer_response_headers({"Server": "gunicorn"}) == (("Server", "gunicorn"),)
