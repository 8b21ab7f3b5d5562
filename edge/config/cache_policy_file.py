"""Custom cache policies: ``CachePolicyConfig`` JSON files, validated like the AWS API.

``python -m edge --cache-policy FILE`` takes what ``aws cloudfront get-cache-policy --id ID``
prints (``{"ETag", "CachePolicy": {"Id", "CachePolicyConfig": {...}}}``) or the inner
``{"Id", "CachePolicyConfig"}``; a behaviour's ``CachePolicyId`` may then name that Id (or
the policy's ``Name``). Rules (API reference, CachePolicyConfig): MinTTL <= DefaultTTL <=
MaxTTL (DefaultTTL defaults to 86400 or MinTTL, MaxTTL to 31536000 or DefaultTTL);
HeaderBehavior ``none | whitelist``; Cookie/QueryString behaviour ``none | whitelist |
allExcept | all``; at most 10 names per list.
"""

from __future__ import annotations

from contracts.documents import load_json
from edge.config.jsonpath import Node
from edge.config.policies import CachePolicy
from edge.errors import ConfigError

MAX_NAMES = 10
_LIST_BEHAVIOURS = ("none", "whitelist", "allExcept", "all")


def load_cache_policy(path: str) -> CachePolicy:
    """Read and validate one cache policy file; ConfigError (one line) otherwise."""
    raw = load_json(path, path, ConfigError)
    root = Node(path, "CachePolicy", raw.get("CachePolicy", raw) if isinstance(raw, dict)
                else raw).obj()
    return parse_cache_policy(root)


def load_policies(paths: tuple[str, ...] | list[str]) -> dict[str, CachePolicy]:
    """Every policy of ``paths``, by Id and by Name."""
    out: dict[str, CachePolicy] = {}
    for path in paths:
        policy = load_cache_policy(path)
        out[policy.policy_id] = out[policy.name] = policy
    return out


def _names(node: Node, behaviour: str, field: str) -> tuple[str, ...]:
    if behaviour in ("none", "all"):
        return ()
    items = node.get(field, {"Quantity": 0}).items()
    if len(items) > MAX_NAMES:
        raise node.get(field).error(f"{len(items)} names; at most {MAX_NAMES} are allowed")
    if not items:
        raise node.get(field).error(f"{behaviour} needs at least one name")
    return tuple(i.str() for i in items)


def _behaviour(node: Node, field: str, allowed: tuple[str, ...]) -> str:
    value = node.get(field).str()
    if value not in allowed:
        raise node.get(field).error(f"{value!r} is not allowed (allowed: {', '.join(allowed)})")
    return value


def parse_cache_policy(root: Node) -> CachePolicy:
    policy_id = root.get("Id", "").str()
    config = root.get("CachePolicyConfig").obj()
    name = config.get("Name").str()
    min_ttl = config.get("MinTTL").int(0)
    default_ttl = config.get("DefaultTTL", max(86400, min_ttl)).int(0)
    max_ttl = config.get("MaxTTL", max(31536000, default_ttl)).int(0)
    if default_ttl < min_ttl:
        raise config.get("DefaultTTL").error(f"{default_ttl} is below MinTTL {min_ttl}")
    if max_ttl < default_ttl:
        raise config.get("MaxTTL").error(f"{max_ttl} is below DefaultTTL {default_ttl}")
    params = config.get("ParametersInCacheKeyAndForwardedToOrigin").obj()
    headers_node = params.get("HeadersConfig").obj()
    header_behaviour = _behaviour(headers_node, "HeaderBehavior", ("none", "whitelist"))
    cookies_node = params.get("CookiesConfig").obj()
    cookie_behaviour = _behaviour(cookies_node, "CookieBehavior", _LIST_BEHAVIOURS)
    qs_node = params.get("QueryStringsConfig").obj()
    qs_behaviour = _behaviour(qs_node, "QueryStringBehavior", _LIST_BEHAVIOURS)
    return CachePolicy(
        name=name, min_ttl=min_ttl, default_ttl=default_ttl, max_ttl=max_ttl,
        headers=tuple(h.lower() for h in _names(headers_node, header_behaviour, "Headers")),
        query_strings=qs_behaviour,
        query_string_names=_names(qs_node, qs_behaviour, "QueryStrings"),
        cookies=cookie_behaviour,
        cookie_names=_names(cookies_node, cookie_behaviour, "Cookies"),
        accept_encoding_gzip=params.get("EnableAcceptEncodingGzip").bool(),
        accept_encoding_brotli=params.get("EnableAcceptEncodingBrotli", False).bool(),
        policy_id=policy_id or name,
    )
