"""Origin request policies end to end: what a real edge sends a real (echoing) origin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge.config.loader import parse_distribution
from edge.config.policy_files import load_custom_policies
from edge.errors import ConfigError
from tests.edge import configs
from tests.edge.conftest import EdgeFactory

CORS_S3 = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
AMPLIFY = "2e54312d-136d-493c-8eb9-b001f22f67d2"  # cache policy keyed on CloudFront-Viewer-Country


def _with_orp(policy_id: str, pattern: str = "/solo/*") -> dict[str, Any]:
    doc = configs.distribution()
    for item in doc["DistributionConfig"]["CacheBehaviors"]["Items"]:
        if item["PathPattern"] == pattern:
            item["OriginRequestPolicyId"] = policy_id
    return doc


def _seen(response: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in response.json()["headers"].items()}


def test_a_managed_policy_by_id_forwards_its_headers(make_edge: EdgeFactory, echo_origin: str) -> None:
    edge = make_edge(_with_orp(CORS_S3), origins={"primary": echo_origin, "secondary": echo_origin})
    seen = _seen(edge.get("/solo/x", headers={"Origin": "https://a.test", "Accept-Language": "de",
                                             "Access-Control-Request-Method": "GET"}))
    assert seen["origin"] == "https://a.test" and seen["access-control-request-method"] == "GET"
    assert "accept-language" not in seen  # not in CORS-S3Origin


def test_a_custom_policy_file_and_the_pop_location(make_edge: EdgeFactory, echo_origin: str,
                                                   tmp_path: Path) -> None:
    policy = {"OriginRequestPolicy": {"Id": "my-orp", "OriginRequestPolicyConfig": {
        "Name": "country-and-lang",
        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {
            "Quantity": 2, "Items": ["Accept-Language", "CloudFront-Viewer-Country"]}},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "whitelist",
                               "QueryStrings": {"Quantity": 1, "Items": ["lang"]}}}}}
    (tmp_path / "orp.json").write_text(json.dumps(policy))
    (tmp_path / "where.json").write_text(json.dumps({"*": {"Country": "DE"}, "EMU50-C2": {"Country": "FR"}}))
    edge = make_edge(_with_orp("country-and-lang"), "--origin-request-policy", str(tmp_path / "orp.json"),
                     "--viewer-location", str(tmp_path / "where.json"),
                     origins={"primary": echo_origin, "secondary": echo_origin})
    response = edge.get("/solo/x?lang=de&utm=1", headers={
        "Accept-Language": "de", "CloudFront-Viewer-Country": "XX", "Referer": "r"})
    seen = _seen(response)
    assert response.json()["path"] == "/solo/x?lang=de"
    assert seen["accept-language"] == "de" and seen["cloudfront-viewer-country"] == "DE"
    assert "referer" not in seen


def test_the_cache_key_takes_the_edges_country_not_the_viewers(make_edge: EdgeFactory, echo_origin: str) -> None:
    doc = configs.distribution()
    doc["DistributionConfig"]["CacheBehaviors"]["Items"][0]["CachePolicyId"] = AMPLIFY  # /static/*
    edge = make_edge(doc, origins={"primary": echo_origin, "secondary": echo_origin})
    first = edge.get("/static/geo", headers={"CloudFront-Viewer-Country": "XX"})
    second = edge.get("/static/geo", headers={"CloudFront-Viewer-Country": "YY"})
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert second.headers["X-Cache"] == "Hit from cloudfront"  # forged values do not split the cache
    assert _seen(first)["cloudfront-viewer-country"] == "US"   # the documented default location


def test_an_unknown_policy_id_is_refused_as_the_api_refuses_it() -> None:
    with pytest.raises(ConfigError, match=r"OriginRequestPolicyId: NoSuchOriginRequestPolicy: "
                                          r"'0000-not-a-policy'"):
        parse_distribution(_with_orp("0000-not-a-policy"), "d.json")


@pytest.mark.parametrize(("config", "message"), [
    ({"HeadersConfig": {"HeaderBehavior": "some"}}, r"HeaderBehavior: 'some' is not allowed \(allowed: none, whitelist, allViewer"),
    ({"HeadersConfig": {"HeaderBehavior": "allViewerAndWhitelistCloudFront",
                        "Headers": {"Quantity": 1, "Items": ["Referer"]}}}, r"'referer': allViewerAndWhitelistCloudFront lists CloudFront headers only"),
    ({"CookiesConfig": {"CookieBehavior": "whitelist"}}, r"CookiesConfig.Cookies: whitelist needs at least one name"),
])
def test_a_bad_policy_file_is_one_line_naming_the_field(tmp_path: Path, config: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"Name": "p", "HeadersConfig": {"HeaderBehavior": "none"},
                            "CookiesConfig": {"CookieBehavior": "none"},
                            "QueryStringsConfig": {"QueryStringBehavior": "none"}}
    base.update(config)
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"Id": "p1", "OriginRequestPolicyConfig": base}))
    with pytest.raises(ConfigError, match=message) as caught:
        load_custom_policies(origin_request=[str(path)])
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
