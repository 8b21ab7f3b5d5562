"""What crosses the edge: origin request headers and query, viewer response headers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from edge.config.loader import parse_distribution
from edge.config.model import CacheBehavior
from edge.config.origin_request_policies import managed_origin_request_policy
from edge.config.policies import MANAGED_BY_NAME, legacy_policy
from edge.core.forwarding import (
    origin_query,
    origin_request_headers,
    viewer_response_headers,
)
from edge.core.viewer_context import ViewerContext
from tests.edge import configs

DIST = parse_distribution(configs.distribution(primary_headers={"X-Origin-Verify": "s3"}))
PRIMARY = DIST.origins["primary"]
STATIC = DIST.behaviors[0]          # CachingOptimized: key has Accept-Encoding only
API = DIST.behaviors[1]             # CachingDisabled


def _with(behavior: CacheBehavior, **changes: object) -> CacheBehavior:
    return replace(behavior, **changes)  # type: ignore[arg-type]


def _orp(behavior: CacheBehavior, name: str) -> CacheBehavior:
    return _with(behavior, origin_request_policy=managed_origin_request_policy(name))


VIEWER_AT = ViewerContext(ip="192.0.2.1", port=50123)


VIEWER = [("Host", "d.test"), ("User-Agent", "curl/8"), ("Cookie", "a=1"),
          ("Accept-Encoding", "gzip"), ("If-None-Match", '"x"'), ("Connection", "keep-alive"),
          ("X-Origin-Verify", "forged"), ("Authorization", "Bearer v")]


def test_minimal_forwarding_by_default() -> None:
    out = origin_request_headers(VIEWER, API, PRIMARY, "rid==", VIEWER_AT)
    assert out == {"host": "primary.origin.example.com", "x-origin-verify": "s3",
                   "x-forwarded-for": "192.0.2.1", "x-amz-cf-id": "rid==",
                   "user-agent": "Amazon CloudFront"}


def test_cache_key_items_are_forwarded() -> None:
    out = origin_request_headers(VIEWER, STATIC, PRIMARY, "rid==", VIEWER_AT)
    assert out["accept-encoding"] == "gzip" and "cookie" not in out


def test_all_viewer_policy_forwards_everything_but_hop_by_hop_and_conditionals() -> None:
    out = origin_request_headers(VIEWER + [("X-Forwarded-For", "203.0.113.5")],
                                 _orp(API, "AllViewer"), PRIMARY, "rid==", VIEWER_AT)
    assert out["host"] == "d.test" and out["user-agent"] == "curl/8"
    assert out["cookie"] == "a=1" and out["authorization"] == "Bearer v"
    assert out["x-origin-verify"] == "s3"                 # custom header still wins
    assert out["x-forwarded-for"] == "203.0.113.5, 192.0.2.1"
    assert "connection" not in out and "if-none-match" not in out


@pytest.mark.parametrize(("behavior", "query", "expected"), [
    (API, "a=1&b=2", ""),
    (_orp(API, "AllViewer"), "a=1&b=2", "a=1&b=2"),
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
    out = origin_request_headers(viewer, behavior, PRIMARY, "rid==", VIEWER_AT)
    assert {k: v for k, v in out.items() if k in ("cookie", "accept-encoding")} == expected


def test_all_viewer_forwards_cookies_and_encodings_as_sent() -> None:
    behavior = _with(STATIC, policy=replace(STATIC.policy, cookies="whitelist", cookie_names=("s",)))
    out = origin_request_headers([("Cookie", "a=1; s=2"), ("Accept-Encoding", "deflate, gzip")],
                                 _with(behavior, origin_request_policy=managed_origin_request_policy("AllViewer")),
                                 PRIMARY, "rid==", VIEWER_AT)
    assert (out["cookie"], out["accept-encoding"]) == ("a=1; s=2", "deflate, gzip")


def test_viewer_response_headers() -> None:
    kept = viewer_response_headers([("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"),
                                    ("Age", "100"), ("X-Cache", "Hit from elsewhere"),
                                    ("X-Origin-Id", "primary"), ("Content-Length", "5")])
    assert kept == (("Content-Type", "text/plain"), ("X-Origin-Id", "primary"),
                    ("Server", "CloudFront"))
    assert viewer_response_headers({"Server": "gunicorn"}) == (("Server", "gunicorn"),)


# -- origin request policies: one table, one pure function -----------------------------------
BROWSER = [("Host", "d.test"), ("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile"),
           ("Referer", "https://a.test/"), ("Origin", "https://a.test"), ("Cookie", "a=1; s=2"),
           ("Accept-Language", "de"), ("Access-Control-Request-Method", "PUT"),
           ("CloudFront-Viewer-Country", "XX")]  # forged: the edge's value wins
ORP_CASES = [
    ("CORS-CustomOrigin", {"origin": "https://a.test"}),
    ("CORS-S3Origin", {"origin": "https://a.test", "access-control-request-method": "PUT"}),
    ("UserAgentRefererHeaders", {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile",
                                 "referer": "https://a.test/"}),
    ("HostHeaderOnly", {"host": "d.test"}),
    ("AllViewerExceptHostHeader", {"host": "primary.origin.example.com", "cookie": "a=1; s=2",
                                   "accept-language": "de", "origin": "https://a.test"}),
    ("AllViewer", {"host": "d.test", "cookie": "a=1; s=2", "accept-language": "de"}),
    ("AllViewerAndCloudFrontHeaders-2022-06", {
        "host": "d.test", "cookie": "a=1; s=2", "cloudfront-viewer-country": "US",
        "cloudfront-viewer-address": "192.0.2.1:50123", "cloudfront-forwarded-proto": "http",
        "cloudfront-is-mobile-viewer": "true", "cloudfront-is-ios-viewer": "true",
        "cloudfront-is-desktop-viewer": "false", "cloudfront-viewer-http-version": "1.1"}),
]


@pytest.mark.parametrize(("name", "expected"), ORP_CASES, ids=[c[0] for c in ORP_CASES])
def test_each_managed_origin_request_policy_forwards_what_aws_lists(name: str, expected: dict[str, str]) -> None:
    out = origin_request_headers(BROWSER, _orp(API, name), PRIMARY, "rid==", VIEWER_AT)
    for header, value in expected.items():
        assert out.get(header) == value, (name, header, out)
    whitelist = name not in ("AllViewer", "AllViewerExceptHostHeader", "AllViewerAndCloudFrontHeaders-2022-06")
    if whitelist:  # nothing the policy does not list (beyond what the edge always sends)
        always = {"host", "x-origin-verify", "x-forwarded-for", "x-amz-cf-id", "user-agent"}
        assert set(out) - always == set(expected) - always
    if name != "AllViewerAndCloudFrontHeaders-2022-06":
        assert "cloudfront-viewer-country" not in out  # never the viewer's forged value


def test_cloudfront_headers_come_from_the_pop_location_and_the_tls_connection() -> None:
    where = ViewerContext(ip="2001:db8::7", port=443, https=True, tls_protocol="TLSv1.3",
                          tls_cipher="TLS_AES_128_GCM_SHA256",
                          location={"cloudfront-viewer-country": "DE", "cloudfront-viewer-city": "Frankfurt"})
    out = origin_request_headers([("User-Agent", "SmartTV/1 (Linux; HbbTV)")],
                                 _orp(API, "AllViewerAndCloudFrontHeaders-2022-06"), PRIMARY, "rid==", where)
    assert out["cloudfront-viewer-country"] == "DE" and out["cloudfront-viewer-city"] == "Frankfurt"
    assert out["cloudfront-viewer-address"] == "[2001:db8::7]:443"
    assert out["cloudfront-forwarded-proto"] == "https"
    assert out["cloudfront-viewer-tls"] == "TLSv1.3:TLS_AES_128_GCM_SHA256:fullHandshake"
    assert out["cloudfront-is-smarttv-viewer"] == "true" and out["cloudfront-is-mobile-viewer"] == "false"


def test_the_origin_request_policy_adds_query_strings_and_cookies_beyond_the_key() -> None:
    from edge.config.origin_request_policies import OriginRequestPolicy
    policy = OriginRequestPolicy("custom", "c1", cookie_behavior="whitelist", cookies=("s",),
                                 query_string_behavior="allExcept", query_strings=("utm",))
    behavior = _with(STATIC, origin_request_policy=policy)
    assert origin_query(behavior, "utm=1&v=2&w=3") == "v=2&w=3"
    out = origin_request_headers([("Cookie", "a=1; s=2")], behavior, PRIMARY, "rid==", VIEWER_AT)
    assert out["cookie"] == "s=2"
