"""Custom CachePolicyConfig files (section 2.1/2.2): loaded, validated, usable by Id or Name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge.config.cache_policy_file import load_cache_policy, load_policies
from edge.config.loader import parse_distribution
from edge.config.policy_files import CustomPolicies
from edge.core.cachekey import cache_key
from edge.errors import ConfigError
from tests.edge import configs


def policy_doc(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "Name": "api-keyed", "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 300,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": False,
            "HeadersConfig": {"HeaderBehavior": "whitelist",
                              "Headers": {"Quantity": 1, "Items": ["X-Tenant"]}},
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "allExcept",
                                   "QueryStrings": {"Quantity": 1, "Items": ["utm"]}},
        },
    }
    config.update(overrides)
    return {"ETag": "E1", "CachePolicy": {"Id": "11111111-2222-3333-4444-555555555555",
                                          "CachePolicyConfig": config}}


def _write(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_custom_policy_keys_on_its_header_and_query_strings(tmp_path: Path) -> None:
    policies = load_policies([_write(tmp_path, policy_doc())])
    doc = configs.distribution(envelope=False)
    doc["DefaultCacheBehavior"]["CachePolicyId"] = "11111111-2222-3333-4444-555555555555"
    doc["CacheBehaviors"]["Items"][0]["CachePolicyId"] = "api-keyed"   # by Name too
    dist = parse_distribution(doc, "d.json", CustomPolicies(cache=policies))
    policy = dist.default_behavior.policy
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (0, 60, 300)
    key_a = cache_key(policy, "GET", "h", "/p", "a=1&utm=x", {"x-tenant": "t1"})
    key_b = cache_key(policy, "GET", "h", "/p", "a=1&utm=y", {"x-tenant": "t1"})
    key_c = cache_key(policy, "GET", "h", "/p", "a=1", {"x-tenant": "t2"})
    assert key_a == key_b != key_c          # utm is excluded, X-Tenant is keyed


@pytest.mark.parametrize("overrides, message", [
    ({"MinTTL": 100, "DefaultTTL": 50}, "CachePolicyConfig.DefaultTTL: 50 is below MinTTL 100"),
    ({"MaxTTL": 10}, "CachePolicyConfig.MaxTTL: 10 is below DefaultTTL 60"),
    ({"MinTTL": -1}, "CachePolicyConfig.MinTTL: -1 is out of range"),
    ({"Name": 5}, "CachePolicyConfig.Name: expected a string"),
])
def test_invalid_policy_files_name_the_field(tmp_path: Path, overrides: dict[str, Any],
                                            message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_cache_policy(_write(tmp_path, policy_doc(**overrides)))


def test_invalid_behaviours_and_too_many_names(tmp_path: Path) -> None:
    doc = policy_doc()
    params = doc["CachePolicy"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    params["HeadersConfig"] = {"HeaderBehavior": "allViewer"}
    with pytest.raises(ConfigError, match="HeaderBehavior: 'allViewer' is not allowed"):
        load_cache_policy(_write(tmp_path, doc))
    names = [f"q{i}" for i in range(11)]
    params["HeadersConfig"] = {"HeaderBehavior": "none"}
    params["QueryStringsConfig"] = {"QueryStringBehavior": "whitelist",
                                    "QueryStrings": {"Quantity": 11, "Items": names}}
    with pytest.raises(ConfigError, match="11 names; at most 10 are allowed"):
        load_cache_policy(_write(tmp_path, doc))


def test_any_value_anywhere_in_a_policy_loads_or_gives_one_line_error() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from edge.config.cache_policy_file import parse_cache_policy
    from edge.config.jsonpath import Node
    from tests.edge.test_properties import _paths, json_values

    base = policy_doc()["CachePolicy"]
    paths = _paths(base)

    @settings(max_examples=150, deadline=None)
    @given(st.sampled_from(paths), json_values)
    def check(path: tuple[Any, ...], value: Any) -> None:
        doc = json.loads(json.dumps(base))
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        try:
            parse_cache_policy(Node("p.json", "CachePolicy", doc).obj())
        except ConfigError as exc:
            assert str(exc).startswith("p.json: CachePolicy") and "\n" not in str(exc)

    check()
