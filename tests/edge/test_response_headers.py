"""Response headers policies: the pure rules as tables, then a real edge answering real viewers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge.config.loader import parse_distribution
from edge.config.policy_files import load_custom_policies
from edge.config.response_headers_policies import (
    Cors,
    HeaderSetting,
    ResponseHeadersPolicy,
    managed_response_headers_policy,
)
from edge.core.response_headers import Timing, preflight_headers, sampled, server_timing, static_headers, with_cors
from edge.errors import ConfigError
from tests.edge import configs
from tests.edge.conftest import EdgeFactory

ORIGIN = (("Content-Type", "text/plain"), ("X-Frame-Options", "DENY"), ("X-Debug", "1"))


def test_security_headers_are_added_and_override_only_where_the_policy_says() -> None:
    policy = managed_response_headers_policy("Managed-SecurityHeadersPolicy")
    assert policy is not None
    out = dict(static_headers(policy, ORIGIN + (("X-Content-Type-Options", "sniff-me"),)))
    assert out["X-Frame-Options"] == "DENY"                 # Override false: the origin's stays
    assert out["X-Content-Type-Options"] == "nosniff"       # Override true: the policy's wins
    assert out["Strict-Transport-Security"] == "max-age=31536000"
    assert out["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert out["X-XSS-Protection"] == "1; mode=block"


def test_custom_and_removed_headers() -> None:
    policy = ResponseHeadersPolicy("p", "p", headers=(HeaderSetting("X-Debug", "0", True),
                                                      HeaderSetting("X-Team", "edge", False)),
                                   remove=("x-frame-options",))
    assert static_headers(policy, ORIGIN) == (("Content-Type", "text/plain"), ("X-Debug", "0"), ("X-Team", "edge"))


LISTED = Cors(("https://a.test",), ("X-Token",), ("GET", "POST"), allow_credentials=True,
              origin_override=False, expose_headers=("X-Count",), max_age=600)


@pytest.mark.parametrize(("cors", "method", "request_headers", "origin_headers", "expected"), [
    # No Origin header: not a CORS request, nothing added.
    (LISTED, "GET", {}, (), {}),
    # A listed origin is echoed, with Vary: Origin, credentials and exposed headers.
    (LISTED, "GET", {"Origin": "https://a.test"}, (), {
        "Access-Control-Allow-Origin": "https://a.test", "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "X-Count"}),
    # An origin not listed gets nothing.
    (LISTED, "GET", {"Origin": "https://evil.test"}, (), {}),
    # A preflight also gets methods, headers and max-age.
    (LISTED, "OPTIONS", {"Origin": "https://a.test", "Access-Control-Request-Method": "POST"}, (), {
        "Access-Control-Allow-Origin": "https://a.test", "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "X-Count",
        "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": "X-Token",
        "Access-Control-Max-Age": "600"}),
    # OriginOverride false: an origin that answered CORS itself keeps its answer.
    (LISTED, "GET", {"Origin": "https://a.test"}, (("Access-Control-Allow-Origin", "https://b.test"),),
     {"Access-Control-Allow-Origin": "https://b.test"}),
    # OriginOverride true: the policy's answer replaces it.
    (Cors(("*",), (), ("ALL",), False, True), "GET", {"Origin": "https://a.test"},
     (("Access-Control-Allow-Origin", "https://b.test"),), {"Access-Control-Allow-Origin": "*"}),
])
def test_cors(cors: Cors, method: str, request_headers: dict[str, str], origin_headers: tuple[tuple[str, str], ...],
              expected: dict[str, str]) -> None:
    assert dict(with_cors(cors, origin_headers, method, request_headers)) == expected


def test_the_edge_answers_a_preflight_only_with_origin_override() -> None:
    preflight = {"Origin": "https://a.test", "Access-Control-Request-Method": "PUT"}
    keeper = ResponseHeadersPolicy("k", "k", cors=LISTED)
    overrider = ResponseHeadersPolicy("o", "o", cors=Cors(("*",), ("*",), ("ALL",), False, True, max_age=60))
    assert preflight_headers(keeper, preflight) is None  # goes on to the cache or the origin
    answer = dict(preflight_headers(overrider, preflight) or ())
    assert answer["Access-Control-Allow-Methods"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert answer["Access-Control-Allow-Origin"] == "*" and answer["Access-Control-Max-Age"] == "60"


def test_server_timing_sampling_and_values() -> None:
    every = ResponseHeadersPolicy("t", "t", server_timing=True, sampling_rate=100.0)
    never = ResponseHeadersPolicy("t", "t", server_timing=True, sampling_rate=0.0)
    half = ResponseHeadersPolicy("t", "t", server_timing=True, sampling_rate=50.0)
    assert sampled(every, {}) and not sampled(never, {})
    assert sampled(never, {"Pragma": "server-timing"})  # asked for: always
    assert sampled(half, {}, draw=49.9) and not sampled(half, {}, draw=50.0)
    hit = server_timing(Timing("Hit", "EMU50-C1", "rid==", 0))
    assert hit == 'cdn-cache-hit,cdn-pop;desc="EMU50-C1",cdn-rid;desc="rid==",cdn-hit-layer;desc="EDGE",cdn-downstream-fbl;dur=0'
    miss = server_timing(Timing("Miss", "EMU50-C1", "rid==", 12, upstream_fbl_ms=9))
    assert miss.startswith('cdn-upstream-layer;desc="EDGE",cdn-upstream-fbl;dur=9,cdn-cache-miss,')
    assert miss.endswith("cdn-downstream-fbl;dur=12")


# -- a real edge --------------------------------------------------------------------------
def _with_rhp(policy_id: str, pattern: str = "/static/*", **extra: Any) -> dict[str, Any]:
    doc = configs.distribution()
    for item in doc["DistributionConfig"]["CacheBehaviors"]["Items"]:
        if item["PathPattern"] == pattern:
            item["ResponseHeadersPolicyId"] = policy_id
            item.update(extra)
    return doc


CUSTOM = {"ResponseHeadersPolicy": {"Id": "rhp-1", "ResponseHeadersPolicyConfig": {
    "Name": "api-cors",
    "CorsConfig": {"AccessControlAllowOrigins": {"Quantity": 1, "Items": ["https://app.test"]},
                   "AccessControlAllowHeaders": {"Quantity": 1, "Items": ["*"]},
                   "AccessControlAllowMethods": {"Quantity": 1, "Items": ["ALL"]},
                   "AccessControlAllowCredentials": False, "AccessControlMaxAgeSec": 600,
                   "OriginOverride": True},
    "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "X-Edge", "Value": "emulated", "Override": True}]},
    "RemoveHeadersConfig": {"Quantity": 1, "Items": [{"Header": "X-Origin-Id"}]},
    "ServerTimingHeadersConfig": {"Enabled": True, "SamplingRate": 100}}}}


def test_security_headers_on_hits_and_misses(make_edge: EdgeFactory) -> None:
    edge = make_edge(_with_rhp("67f7725c-6f97-4210-82d7-5512b31e9d03"))  # SecurityHeadersPolicy by ID
    miss, hit = edge.get("/static/sec"), edge.get("/static/sec")
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("Miss from cloudfront", "Hit from cloudfront")
    for response in (miss, hit):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in edge.get("/api/no-policy").headers


def test_a_custom_policy_cors_preflight_custom_removed_and_server_timing(make_edge: EdgeFactory,
                                                                         tmp_path: Path) -> None:
    (tmp_path / "rhp.json").write_text(json.dumps(CUSTOM))
    methods = {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"],
               "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
    edge = make_edge(_with_rhp("api-cors", AllowedMethods=methods), "--response-headers-policy",
                     str(tmp_path / "rhp.json"))
    get = edge.get("/static/c", headers={"Origin": "https://app.test"})
    assert get.headers["Access-Control-Allow-Origin"] == "https://app.test"
    assert get.headers["X-Edge"] == "emulated" and "X-Origin-Id" not in get.headers
    assert get.headers["Server-Timing"].startswith('cdn-upstream-layer;desc="EDGE",cdn-upstream-fbl;dur=')
    hit = edge.get("/static/c", headers={"Origin": "https://app.test"})
    assert "cdn-cache-hit" in hit.headers["Server-Timing"] and hit.headers["X-Cache"] == "Hit from cloudfront"
    preflight = edge.request("OPTIONS", "/static/p", headers={
        "Origin": "https://app.test", "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Max-Age"] == "600"
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert "X-Origin-Id" not in preflight.headers  # answered at the edge (and X-Origin-Id is removed anyway)
    import requests
    stats = requests.get(edge.admin_url + "/stats", headers=edge.admin_auth, timeout=5).json()
    assert stats["origin_attempts"] == {"primary:200": 1}  # one miss reached the origin; the preflight did not


def test_an_unknown_response_headers_policy_is_refused() -> None:
    with pytest.raises(ConfigError, match="ResponseHeadersPolicyId: NoSuchResponseHeadersPolicy: 'nope'"):
        parse_distribution(_with_rhp("nope"), "d.json")


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c["SecurityHeadersConfig"].update(FrameOptions={"Override": True, "FrameOption": "ALLOW"}),
     r"FrameOption: 'ALLOW' is not allowed \(allowed: DENY, SAMEORIGIN\)"),
    (lambda c: c["ServerTimingHeadersConfig"].update(SamplingRate=101),
     r"SamplingRate: 101: a percentage 0..100 with at most four decimals"),
    (lambda c: c["CustomHeadersConfig"]["Items"][0].update(Header="X-Cache"),
     r"Header: 'X-Cache' cannot be set by a response headers policy"),
    (lambda c: c["RemoveHeadersConfig"]["Items"][0].update(Header="Content-Length"),
     r"Header: 'Content-Length' cannot be removed"),
])
def test_a_bad_policy_file_is_one_line_naming_the_field(tmp_path: Path, change: Any, message: str) -> None:
    doc = json.loads(json.dumps(CUSTOM))
    config = doc["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    config["SecurityHeadersConfig"] = {}
    change(config)
    path = tmp_path / "rhp.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=message) as caught:
        load_custom_policies(response_headers=[str(path)])
    assert str(path) in str(caught.value)
