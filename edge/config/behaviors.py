"""Cache behaviours of a DistributionConfig: methods, targets, cache policies.

Part of :mod:`edge.config.loader`; validation errors name the JSON path like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from edge.config.jsonpath import Node
from edge.config.model import WRITE_METHODS, CacheBehavior, OriginGroup
from edge.config.origin_request_policies import OriginRequestPolicy, managed_origin_request_policy
from edge.config.path_pattern import compile_path_pattern
from edge.config.policies import CachePolicy, legacy_policy, managed_policy
from edge.config.policy_files import CustomPolicies
from edge.config.response_headers_policies import ResponseHeadersPolicy, managed_response_headers_policy

T = TypeVar("T")
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
# AllowedMethods may only be one of these three sets (API: Quantity 2, 3 or 7).
ALLOWED_METHOD_SETS = (
    frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "OPTIONS"}), METHODS,
)
CACHED_METHOD_SETS = (frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "OPTIONS"}))


def _methods(node: Node, allowed_sets: tuple[frozenset[str], ...]) -> frozenset[str]:
    items = node.items()
    methods = frozenset(i.str() for i in items)
    if methods not in allowed_sets:
        allowed = " | ".join(",".join(sorted(s)) for s in allowed_sets)
        shown = ",".join(m if m.isprintable() else repr(m) for m in sorted(methods))  # one line, always
        raise node.get("Items").error(f"{shown or 'nothing'} is not allowed (allowed: {allowed})")
    return methods


def parse_behavior(node: Node, known: set[str], groups: dict[str, OriginGroup],
                   pattern: str | None,
                   policies: CustomPolicies | None = None) -> CacheBehavior:
    node.obj()
    if pattern is None:
        pattern = node.get("PathPattern").str()
        if not pattern or len(pattern) > 255:
            raise node.get("PathPattern").error("must be 1..255 characters")
    target = node.get("TargetOriginId").str()
    if target not in known:
        raise node.get("TargetOriginId").error(
            f"no origin or origin group with Id {target!r} (known: {', '.join(sorted(known))})")
    allowed: frozenset[str] = frozenset({"GET", "HEAD"})
    cached: frozenset[str] = frozenset({"GET", "HEAD"})
    if node.has("AllowedMethods"):
        am = node.get("AllowedMethods")
        allowed = _methods(am, ALLOWED_METHOD_SETS)
        if am.has("CachedMethods"):
            cached = _methods(am.get("CachedMethods"), CACHED_METHOD_SETS)
        if target in groups and allowed & WRITE_METHODS:
            raise am.get("Items").error(
                "The parameter AllowedMethods cannot include POST, PUT, PATCH, or DELETE "
                "for a cached behavior associated with an origin group")
    vpp = node.get("ViewerProtocolPolicy", "allow-all").str()
    if vpp not in ("allow-all", "redirect-to-https", "https-only"):
        raise node.get("ViewerProtocolPolicy").error(
            f"{vpp!r} is not allowed (allowed: allow-all, redirect-to-https, https-only)")
    custom = policies or CustomPolicies()
    return CacheBehavior(
        path_pattern=pattern,
        target_origin_id=target,
        allowed_methods=allowed,
        cached_methods=cached,
        policy=_policy(node, custom.cache),
        viewer_protocol_policy=vpp,
        compress=node.get("Compress", False).bool(),
        field_level_encryption_id=node.get("FieldLevelEncryptionId", "").str(),
        origin_request_policy=_origin_request_policy(node, custom.origin_request),
        response_headers_policy=_response_headers_policy(node, custom.response_headers),
        functions=_function_associations(node),
        lambdas=_lambda_associations(node),
        matcher=None if pattern == "*" else compile_path_pattern(pattern),
    )


def _policy_ref(node: Node, field: str, lookup: Callable[[str], T | None], custom: dict[str, T],
                error_code: str, known: str, flag: str) -> T | None:
    """The policy a behaviour names in ``field``: managed (``lookup``) or from a file, else the
    API's ``error_code``; None when the field is empty."""
    ref = node.get(field, "").str()
    if not ref:
        return None
    policy = lookup(ref) or custom.get(ref)
    if policy is None:
        raise node.get(field).error(f"{error_code}: {ref!r} is neither a managed {known} nor given with {flag} FILE")
    return policy


def _origin_request_policy(node: Node, custom: dict[str, OriginRequestPolicy]
                           ) -> OriginRequestPolicy | None:
    policy = _policy_ref(node, "OriginRequestPolicyId", managed_origin_request_policy, custom,
                         "NoSuchOriginRequestPolicy",
                         "origin request policy (AllViewer, AllViewerExceptHostHeader, "
                         "AllViewerAndCloudFrontHeaders-2022-06, CORS-CustomOrigin, CORS-S3Origin, HostHeaderOnly, "
                         "UserAgentRefererHeaders, ...)", "--origin-request-policy")
    if policy is not None and node.has("ForwardedValues"):
        raise node.get("OriginRequestPolicyId").error(
            "an origin request policy needs a CachePolicyId, not legacy ForwardedValues")
    return policy


FUNCTION_EVENTS = ("viewer-request", "viewer-response")
_FUNCTION_ARN = re.compile(r"^arn:aws:cloudfront::\d{12}:function/([A-Za-z0-9_-]{1,64})$")
LAMBDA_EVENTS = ("viewer-request", "origin-request", "origin-response", "viewer-response")
_LAMBDA_ARN = re.compile(r"^arn:aws:lambda:us-east-1:\d{12}:function:([A-Za-z0-9_-]{1,64}):(\d+)$")


def _associations(node: Node, field: str, arn_field: str, events: tuple[str, ...],
                  arn: re.Pattern[str], arn_shape: str, other: str) -> tuple[tuple[str, str], ...]:
    """``FunctionAssociations`` / ``LambdaFunctionAssociations``: (event, function name), at most
    one per event type, each ARN of the documented shape."""
    out: list[tuple[str, str]] = []
    for item in node.get(field, {"Quantity": 0}).items():
        event = item.get("EventType").str()
        if event not in events:
            raise item.get("EventType").error(f"{event!r} is not allowed (allowed: {', '.join(events)}{other})")
        if any(e == event for e, _ in out):
            raise item.get("EventType").error(f"a second {event} function (one per event type)")
        match = arn.match(item.get(arn_field).str())
        if match is None:
            raise item.get(arn_field).error(f"{item.get(arn_field).str()!r}: {arn_shape}")
        out.append((event, match.group(1)))
    return tuple(out)


def _function_associations(node: Node) -> tuple[tuple[str, str], ...]:
    return _associations(node, "FunctionAssociations", "FunctionARN", FUNCTION_EVENTS, _FUNCTION_ARN,
                         "not a function ARN (arn:aws:cloudfront::ACCOUNT:function/NAME)",
                         "; origin events take Lambda@Edge, not CloudFront Functions")


def _lambda_associations(node: Node) -> tuple[tuple[str, str], ...]:
    out = _associations(node, "LambdaFunctionAssociations", "LambdaFunctionARN", LAMBDA_EVENTS, _LAMBDA_ARN,
                        "Lambda@Edge needs a numbered version of a function in us-east-1 "
                        "(arn:aws:lambda:us-east-1:ACCOUNT:function:NAME:VERSION)", "")
    functions = {e for e, _ in _function_associations(node)}
    clash = functions & {e for e, _ in out if e.startswith("viewer")}
    if clash:
        raise node.get("LambdaFunctionAssociations").error(
            f"{sorted(clash)[0]}: a CloudFront function and a Lambda@Edge function on the same viewer event")
    return out


def _response_headers_policy(node: Node, custom: dict[str, ResponseHeadersPolicy]
                             ) -> ResponseHeadersPolicy | None:
    return _policy_ref(node, "ResponseHeadersPolicyId", managed_response_headers_policy, custom,
                       "NoSuchResponseHeadersPolicy",
                       "response headers policy (SimpleCORS, CORS-With-Preflight, SecurityHeadersPolicy, "
                       "CORS-and-SecurityHeadersPolicy, CORS-with-preflight-and-SecurityHeadersPolicy)",
                       "--response-headers-policy")


def _policy(node: Node, custom: dict[str, CachePolicy]) -> CachePolicy:
    has_policy = node.has("CachePolicyId") and node.get("CachePolicyId").value != ""
    has_legacy = node.has("ForwardedValues")
    if has_policy and has_legacy:
        raise node.error("give either CachePolicyId or ForwardedValues, not both")
    if has_policy:
        ref = node.get("CachePolicyId").str()
        policy = managed_policy(ref) or custom.get(ref)
        if policy is None:
            raise node.get("CachePolicyId").error(
                f"unknown cache policy {ref!r} (known managed policies: "
                "CachingOptimized, CachingDisabled, UseOriginCacheControlHeaders, ...; give a "
                "custom one with --cache-policy FILE)")
        return policy
    if not has_legacy:
        raise node.error("needs either CachePolicyId or ForwardedValues")
    fv = node.get("ForwardedValues").obj()
    min_ttl = node.get("MinTTL", 0).int(0)
    default_ttl = node.get("DefaultTTL", max(86400, min_ttl)).int(0)
    max_ttl = node.get("MaxTTL", max(31536000, default_ttl)).int(0)
    if default_ttl < min_ttl:
        raise node.get("DefaultTTL").error(f"{default_ttl} is below MinTTL {min_ttl}")
    if max_ttl < default_ttl:
        raise node.get("MaxTTL").error(f"{max_ttl} is below DefaultTTL {default_ttl}")
    cookies = fv.get("Cookies", {"Forward": "none"})
    forward = cookies.get("Forward", "none").str()
    if forward not in ("none", "whitelist", "all"):
        raise cookies.get("Forward").error(
            f"{forward!r} is not allowed (allowed: none, whitelist, all)")
    names = cookies.get("WhitelistedNames", {"Quantity": 0}).items()
    headers = tuple(i.str() for i in fv.get("Headers", {"Quantity": 0}).items())
    if "*" in headers:
        # Forwarding every header means CloudFront caches nothing; the API wants MinTTL 0.
        if min_ttl:
            raise node.get("MinTTL").error(
                f"{min_ttl}: must be 0 when ForwardedValues.Headers is '*'")
        return legacy_policy(0, 0, 0, query_string=False, query_string_names=(), headers=(),
                             cookies="none", cookie_names=())
    return legacy_policy(
        min_ttl, default_ttl, max_ttl,
        query_string=fv.get("QueryString", False).bool(),
        query_string_names=tuple(i.str() for i in
                                 fv.get("QueryStringCacheKeys", {"Quantity": 0}).items()),
        headers=headers,
        cookies=forward,
        cookie_names=tuple(i.str() for i in names),
    )
