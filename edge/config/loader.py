"""Load a DistributionConfig JSON into a :class:`~edge.config.model.Distribution`.

Accepts exactly what ``aws cloudfront get-distribution-config`` prints, with or
without the ``{"ETag", "DistributionConfig"}`` envelope, and validates it the
way the AWS API would (ranges, group size, failover codes, method rules).
Fields the emulator does not act on are accepted and ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts.documents import load_json
from edge.config.behaviors import METHODS, parse_behavior
from edge.config.jsonpath import Node
from edge.config.model import (
    FAILOVER_STATUS_CODES,
    CacheBehavior,
    CustomErrorResponse,
    Distribution,
    FailoverCriteria,
    Origin,
    OriginGroup,
    OriginTimeouts,
)
from edge.config.policy_files import CustomPolicies
from edge.errors import ConfigError

ERROR_PAGE_CODES = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})
READ_TIMEOUT_MAX = 120


def load_distribution(path: str | Path,
                      policies: CustomPolicies | None = None) -> Distribution:
    """Read and validate the config file at ``path``; raises ConfigError with one line.

    ``policies`` are the custom policies (by Id and Name) behaviours may refer to.
    """
    source = str(path)
    raw = load_json(path, source, ConfigError)
    return parse_distribution(raw, source, policies)


def parse_distribution(raw: Any, source: str = "<config>",
                       policies: CustomPolicies | None = None) -> Distribution:
    """Validate an already-decoded DistributionConfig (enveloped or bare)."""
    etag = ""
    if isinstance(raw, dict) and "DistributionConfig" in raw:
        etag = str(raw.get("ETag", ""))
        root = Node(source, "DistributionConfig", raw["DistributionConfig"]).obj()
    else:
        root = Node(source, "DistributionConfig", raw).obj()

    origins: dict[str, Origin] = {}
    for node in root.get("Origins").items():
        origin = _origin(node)
        if origin.id in origins:
            raise node.get("Id").error(f"duplicate origin Id {origin.id!r}")
        origins[origin.id] = origin
    if not origins:
        raise root.get("Origins").error("at least one origin is required")

    groups: dict[str, OriginGroup] = {}
    for node in root.get("OriginGroups", {"Quantity": 0}).items():
        group = _group(node, origins)
        if group.id in groups or group.id in origins:
            raise node.get("Id").error(f"duplicate origin or group Id {group.id!r}")
        groups[group.id] = group

    known = set(origins) | set(groups)
    default = parse_behavior(root.get("DefaultCacheBehavior"), known, groups, pattern="*",
                             policies=policies)
    behaviors = tuple(
        parse_behavior(node, known, groups, pattern=None, policies=policies)
        for node in root.get("CacheBehaviors", {"Quantity": 0}).items()
    )
    for node, behavior in zip([root.get("DefaultCacheBehavior"),
                               *root.get("CacheBehaviors", {"Quantity": 0}).items()],
                              (default, *behaviors)):
        _check_fle(node, behavior, origins, groups)
    errors: dict[int, CustomErrorResponse] = {}
    for node in root.get("CustomErrorResponses", {"Quantity": 0}).items():
        cer = _custom_error(node)
        errors[cer.error_code] = cer
    return Distribution(
        origins=origins,
        origin_groups=groups,
        behaviors=behaviors,
        default_behavior=default,
        custom_error_responses=errors,
        comment=_comment(root),
        default_root_object=_root_object(root),
        enabled=root.get("Enabled", True).bool(),
        etag=etag,
    )


FLE_ERROR = "IllegalFieldLevelEncryptionConfigAssociationWithCacheBehavior"


def _check_fle(node: Node, behavior: CacheBehavior, origins: dict[str, Origin],
               groups: dict[str, OriginGroup]) -> None:
    """A behaviour with field-level encryption: all seven methods, HTTPS viewers, HTTPS to the
    origin (the API refuses anything else with FLE_ERROR)."""
    if not behavior.field_level_encryption_id:
        return
    if behavior.allowed_methods != METHODS:
        raise node.get("AllowedMethods").error(
            f"{FLE_ERROR}: field-level encryption needs all seven methods allowed "
            "(GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE)")
    if behavior.viewer_protocol_policy not in ("redirect-to-https", "https-only"):
        raise node.get("ViewerProtocolPolicy").error(
            f"{FLE_ERROR}: {behavior.viewer_protocol_policy!r} with field-level encryption "
            "(allowed: redirect-to-https, https-only)")
    group = groups.get(behavior.target_origin_id)
    members = (group.primary, group.secondary) if group else (behavior.target_origin_id,)
    for origin_id in members:
        policy = origins[origin_id].protocol_policy
        if policy not in ("https-only", "match-viewer"):
            raise node.get("TargetOriginId").error(
                f"{FLE_ERROR}: origin {origin_id!r} has OriginProtocolPolicy {policy!r} "
                "(field-level encryption needs https-only or match-viewer)")


def _comment(root: Node) -> str:
    comment = root.get("Comment", "").str()
    if len(comment) > 128:
        raise root.get("Comment").error(f"{len(comment)} characters; at most 128 are allowed")
    return comment


def _root_object(root: Node) -> str:
    name = root.get("DefaultRootObject", "").str()
    if name.startswith("/") or len(name) > 255:
        raise root.get("DefaultRootObject").error(
            f"{name[:40]!r}: an object name without a leading '/', at most 255 characters")
    return name


def _origin(node: Node) -> Origin:
    node.obj()
    origin_id = node.get("Id").str()
    if not origin_id:
        raise node.get("Id").error("must not be empty")
    origin_path = node.get("OriginPath", "").str()
    if origin_path and (not origin_path.startswith("/") or origin_path.endswith("/")):
        raise node.get("OriginPath").error(
            f"{origin_path!r} must start with '/' and not end with '/'")
    headers = []
    for h in node.get("CustomHeaders", {"Quantity": 0}).items():
        headers.append((h.get("HeaderName").str(), h.get("HeaderValue").str()))
    if node.has("CustomOriginConfig"):
        custom = node.get("CustomOriginConfig").obj()
        read_timeout = custom.get("OriginReadTimeout", 30).int(1, READ_TIMEOUT_MAX)
        keepalive = custom.get("OriginKeepaliveTimeout", 5).int(1, 120)
        policy = custom.get("OriginProtocolPolicy", "http-only").str()
        if policy not in ("http-only", "match-viewer", "https-only"):
            raise custom.get("OriginProtocolPolicy").error(
                f"{policy!r} is not allowed (allowed: http-only, match-viewer, https-only)")
        ssl_protocols = _ssl_protocols(custom)
    elif node.has("S3OriginConfig"):
        s3 = node.get("S3OriginConfig").obj()
        read_timeout = s3.get("OriginReadTimeout", 30).int(1, READ_TIMEOUT_MAX)
        # S3 is reached with the viewer's protocol (the console's fixed "Match Viewer").
        keepalive, policy, ssl_protocols = 5, "match-viewer", ("TLSv1.2",)
    else:
        raise node.error("needs CustomOriginConfig or S3OriginConfig")
    completion: int | None = None
    if node.has("ResponseCompletionTimeout") and node.get("ResponseCompletionTimeout").value:
        completion = node.get("ResponseCompletionTimeout").int(1)
        if completion < read_timeout:
            raise node.get("ResponseCompletionTimeout").error(
                f"{completion} must be at least OriginReadTimeout ({read_timeout})")
    timeouts = OriginTimeouts(
        connection_attempts=node.get("ConnectionAttempts", 3).int(1, 3),
        connection_timeout=node.get("ConnectionTimeout", 10).int(1, 10),
        read_timeout=read_timeout,
        keepalive_timeout=keepalive,
        response_completion_timeout=completion,
    )
    shield = node.get("OriginShield", {"Enabled": False}).obj()
    return Origin(
        id=origin_id,
        domain_name=node.get("DomainName").str(),
        origin_path=origin_path,
        custom_headers=tuple(headers),
        timeouts=timeouts,
        protocol_policy=policy,
        origin_access_control_id=node.get("OriginAccessControlId", "").str(),
        origin_shield=shield.get("Enabled", False).bool(),
        ssl_protocols=ssl_protocols,
    )


SSL_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2")


def _ssl_protocols(custom: Node) -> tuple[str, ...]:
    if not custom.has("OriginSslProtocols"):
        return ("TLSv1.2",)
    items = custom.get("OriginSslProtocols").items()
    if not items:
        raise custom.get("OriginSslProtocols").error("at least one protocol is required")
    for item in items:
        if item.str() not in SSL_PROTOCOLS:
            raise item.error(f"{item.str()!r} is not allowed (allowed: {', '.join(SSL_PROTOCOLS)})")
    return tuple(item.str() for item in items)


def _group(node: Node, origins: dict[str, Origin]) -> OriginGroup:
    node.obj()
    codes_node = node.get("FailoverCriteria").get("StatusCodes")
    codes = set()
    for item in codes_node.items():
        code = item.int()
        if code not in FAILOVER_STATUS_CODES:
            allowed = ", ".join(str(c) for c in sorted(FAILOVER_STATUS_CODES))
            raise item.error(f"{code} cannot trigger failover (allowed: {allowed})")
        codes.add(code)
    if not codes:
        raise codes_node.error("at least one status code is required")
    members = node.get("Members").items()
    if len(members) != 2:
        raise node.get("Members").get("Quantity").error(
            f"an origin group has exactly 2 members, got {len(members)}")
    ids = []
    for member in members:
        member_id = member.get("OriginId").str()
        if member_id not in origins:
            raise member.get("OriginId").error(
                f"no origin with Id {member_id!r} (known: {', '.join(origins)})")
        ids.append(member_id)
    selection = node.get("SelectionCriteria", "default").str()
    if selection != "default":
        raise node.get("SelectionCriteria").error(
            f"{selection!r} is not emulated (allowed: default)")
    return OriginGroup(node.get("Id").str(), ids[0], ids[1], FailoverCriteria(frozenset(codes)))


def _custom_error(node: Node) -> CustomErrorResponse:
    node.obj()
    code = node.get("ErrorCode").int()
    if code not in ERROR_PAGE_CODES:
        allowed = ", ".join(str(c) for c in sorted(ERROR_PAGE_CODES))
        raise node.get("ErrorCode").error(f"{code} is not allowed (allowed: {allowed})")
    rc_node = node.get("ResponseCode", "")
    rc_raw = rc_node.value
    response_code: int | None = None
    if rc_raw not in ("", None):
        try:
            response_code = int(rc_raw)
        except (TypeError, ValueError):
            raise rc_node.error(f"{rc_raw!r} is not a status code") from None
        if response_code != 200 and response_code not in ERROR_PAGE_CODES:
            raise rc_node.error(f"{response_code} is not allowed (allowed: 200 or an error code)")
    ttl_node = node.get("ErrorCachingMinTTL", None)
    return CustomErrorResponse(
        error_code=code,
        response_page_path=node.get("ResponsePagePath", "").str(),
        response_code=response_code,
        error_caching_min_ttl=None if ttl_node.value is None else ttl_node.int(0),
    )
