"""DistributionConfig loading and validation: valid shapes load, invalid ones name the path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from edge.config.loader import load_distribution, parse_distribution
from edge.errors import ConfigError
from tests.edge import configs

REPO = Path(__file__).resolve().parents[2]
Mutation = Callable[[dict[str, Any]], None]


def test_repository_default_config_loads() -> None:
    dist = load_distribution(REPO / "distributions" / "default.json")
    assert dist.etag == "E1HARNESSDEFAULT"
    target = dist.target("origin-group")
    assert [o.id for o in target.origins] == ["primary", "secondary"]
    assert target.criteria is not None and target.criteria.status_codes == {500, 502, 503, 504}
    assert dist.origins["primary"].timeouts.connection_attempts == 1
    assert dist.origins["primary"].timeouts.read_timeout == 2
    assert [b.path_pattern for b in dist.behaviors] == ["/static/*", "/cc/*"]
    assert dist.behaviors[0].policy.name == "CachingOptimized"
    assert dist.default_behavior.policy.caching_disabled
    legacy = dist.behaviors[1].policy
    assert (legacy.min_ttl, legacy.default_ttl, legacy.max_ttl) == (0, 86400, 31536000)


def test_envelope_is_optional() -> None:
    bare = parse_distribution(configs.distribution(envelope=False), "x.json")
    wrapped = parse_distribution(configs.distribution(envelope=True), "x.json")
    assert bare.origins == wrapped.origins
    assert bare.behaviors == wrapped.behaviors
    assert wrapped.etag == "ETEST" and bare.etag == ""


def test_custom_headers_and_origin_path_are_kept() -> None:
    doc = configs.distribution(envelope=False, primary_headers={"X-Origin-Verify": "s3"})
    doc["Origins"]["Items"][0]["OriginPath"] = "/v1"
    dist = parse_distribution(doc)
    assert dist.origins["primary"].custom_headers == (("X-Origin-Verify", "s3"),)
    assert dist.origins["primary"].origin_path == "/v1"


def test_managed_policy_by_name_and_custom_errors() -> None:
    doc = configs.distribution(envelope=False)
    doc["DefaultCacheBehavior"]["CachePolicyId"] = "CachingDisabled"
    doc["CustomErrorResponses"] = {"Quantity": 1, "Items": [
        {"ErrorCode": 503, "ResponsePagePath": "", "ResponseCode": "", "ErrorCachingMinTTL": 0}]}
    dist = parse_distribution(doc)
    assert dist.default_behavior.policy.caching_disabled
    assert dist.custom_error_responses[503].error_caching_min_ttl == 0
    assert dist.custom_error_responses[503].response_code is None


def _set(path: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
        node = doc
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return mutate


def _delete(path: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
        node = doc
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return mutate


P = "DistributionConfig"
CASES: list[tuple[Mutation, str]] = [
    (_set("Origins.Items.0.ConnectionTimeout", 30),
     f"{P}.Origins.Items[0].ConnectionTimeout: 30 is out of range (allowed 1..10)"),
    (_set("Origins.Items.1.ConnectionAttempts", 4),
     f"{P}.Origins.Items[1].ConnectionAttempts: 4 is out of range (allowed 1..3)"),
    (_set("Origins.Items.0.ConnectionAttempts", 0),
     f"{P}.Origins.Items[0].ConnectionAttempts: 0 is out of range (allowed 1..3)"),
    (_set("Origins.Items.0.CustomOriginConfig.OriginReadTimeout", 121),
     f"{P}.Origins.Items[0].CustomOriginConfig.OriginReadTimeout: 121 is out of range "
     "(allowed 1..120)"),
    (_set("Origins.Items.0.ConnectionTimeout", 1.5),
     f"{P}.Origins.Items[0].ConnectionTimeout: expected an integer, got number 1.5"),
    (_set("OriginGroups.Items.0.FailoverCriteria.StatusCodes",
          {"Quantity": 2, "Items": [503, 501]}),
     f"{P}.OriginGroups.Items[0].FailoverCriteria.StatusCodes.Items[1]: 501 cannot trigger "
     "failover (allowed: 400, 403, 404, 416, 429, 500, 502, 503, 504)"),
    (_set("OriginGroups.Items.0.Members", {"Quantity": 1, "Items": [{"OriginId": "primary"}]}),
     f"{P}.OriginGroups.Items[0].Members.Quantity: an origin group has exactly 2 members, got 1"),
    (_set("OriginGroups.Items.0.Members.Items.1.OriginId", "tertiary"),
     f"{P}.OriginGroups.Items[0].Members.Items[1].OriginId: no origin with Id 'tertiary' "
     "(known: primary, secondary)"),
    (_set("DefaultCacheBehavior.TargetOriginId", "nowhere"),
     f"{P}.DefaultCacheBehavior.TargetOriginId: no origin or origin group with Id 'nowhere' "
     "(known: grp, primary, secondary)"),
    (_set("DefaultCacheBehavior.AllowedMethods", copy.deepcopy(configs.ALL_METHODS)),
     f"{P}.DefaultCacheBehavior.AllowedMethods.Items: The parameter AllowedMethods cannot "
     "include POST, PUT, PATCH, or DELETE for a cached behavior associated with an origin group"),
    (_delete("DefaultCacheBehavior.CachePolicyId"),
     f"{P}.DefaultCacheBehavior: needs either CachePolicyId or ForwardedValues"),
    (_set("CacheBehaviors.Items.0.CachePolicyId", "00000000-0000-0000-0000-000000000000"),
     f"{P}.CacheBehaviors.Items[0].CachePolicyId: unknown cache policy "
     "'00000000-0000-0000-0000-000000000000'"),
    (_delete("CacheBehaviors.Items.1.PathPattern"),
     f"{P}.CacheBehaviors.Items[1].PathPattern: is required"),
    (_set("CacheBehaviors.Quantity", 3),
     f"{P}.CacheBehaviors.Quantity: 3 does not match the 4 Items given"),
    (_set("Origins.Items.1.Id", "primary"),
     f"{P}.Origins.Items[1].Id: duplicate origin Id 'primary'"),
    (_set("Origins.Items.0.OriginPath", "v1/"),
     f"{P}.Origins.Items[0].OriginPath: 'v1/' must start with '/' and not end with '/'"),
    (_delete("Origins"), f"{P}.Origins: is required"),
    (_set("CacheBehaviors.Items.0.AllowedMethods.Items", ["GET"]),
     f"{P}.CacheBehaviors.Items[0].AllowedMethods.Quantity: 2 does not match the 1 Items given"),
    (_set("Origins.Items.0.ResponseCompletionTimeout", 0.5),
     f"{P}.Origins.Items[0].ResponseCompletionTimeout: expected an integer"),
    (_set("Comment", "c" * 129), f"{P}.Comment: 129 characters; at most 128 are allowed"),
    (_set("DefaultRootObject", "/index.html"),
     f"{P}.DefaultRootObject: '/index.html': an object name without a leading '/'"),
    (_set("CustomErrorResponses", {"Quantity": 1, "Items": [{"ErrorCode": 412}]}),
     f"{P}.CustomErrorResponses.Items[0].ErrorCode: 412 is not allowed"),
    (_set("OriginGroups.Items.0.SelectionCriteria", "media-quality-based"),
     f"{P}.OriginGroups.Items[0].SelectionCriteria: 'media-quality-based' is not emulated"),
]


def test_response_completion_timeout_must_cover_the_read_timeout() -> None:
    doc = configs.distribution()
    doc["DistributionConfig"]["Origins"]["Items"][0]["ResponseCompletionTimeout"] = 1
    doc["DistributionConfig"]["Origins"]["Items"][0]["CustomOriginConfig"]["OriginReadTimeout"] = 5
    with pytest.raises(ConfigError, match=r"ResponseCompletionTimeout: 1 must be at least "
                                          r"OriginReadTimeout \(5\)"):
        parse_distribution(doc, "d.json")
    doc["DistributionConfig"]["Origins"]["Items"][0]["ResponseCompletionTimeout"] = 9
    origin = parse_distribution(doc, "d.json").origins["primary"]
    assert origin.timeouts.response_completion_timeout == 9


def test_legacy_forward_all_headers_caches_nothing_and_needs_min_ttl_0() -> None:
    doc = configs.distribution(envelope=False)
    behaviour = doc["DefaultCacheBehavior"]
    del behaviour["CachePolicyId"]
    behaviour["ForwardedValues"] = {"QueryString": True, "Cookies": {"Forward": "all"},
                                    "Headers": {"Quantity": 1, "Items": ["*"]}}
    assert parse_distribution(doc).default_behavior.policy.caching_disabled
    behaviour["MinTTL"] = 5
    with pytest.raises(ConfigError, match="MinTTL: 5: must be 0 when ForwardedValues.Headers"):
        parse_distribution(doc)


@pytest.mark.parametrize(("mutate", "expected"), CASES, ids=[c[1][:60] for c in CASES])
def test_invalid_config_names_file_and_path(tmp_path: Path, mutate: Mutation,
                                            expected: str) -> None:
    doc = configs.distribution()
    mutate(doc["DistributionConfig"])
    path = configs.write(tmp_path / "bad.json", doc)
    with pytest.raises(ConfigError) as info:
        load_distribution(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {expected}")
    assert "\n" not in message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.json: cannot read"):
        load_distribution(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"DistributionConfig": {')
    with pytest.raises(ConfigError, match=r"broken\.json: invalid JSON at line 1"):
        load_distribution(broken)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([1, 2]))
    with pytest.raises(ConfigError, match=r"list\.json: DistributionConfig: expected an object"):
        load_distribution(listed)
