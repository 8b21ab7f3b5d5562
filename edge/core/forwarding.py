"""Which headers cross the edge, in each direction (pure functions).

Origin requests carry what the cache policy puts in the key (and everything
for the AllViewer origin request policies), the origin's CustomHeaders
(overwriting viewer headers of the same name), ``X-Amz-Cf-Id``,
``X-Forwarded-For`` with the viewer's address appended and
``User-Agent: Amazon CloudFront``. Hop-by-hop headers never cross.

What is in the key is forwarded *as the key has it*: a cookie whitelist forwards only the
listed cookies (``allExcept``: all but those), and with gzip/br enabled the origin gets the
normalised ``Accept-Encoding`` (none at all when the viewer offered neither). Legacy
``ForwardedValues`` with ``QueryString: true`` forwards every query string, whatever
``QueryStringCacheKeys`` keys on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from edge.config.model import CacheBehavior, Origin
from edge.config.policies import LEGACY_NAME, CachePolicy
from edge.core.cachekey import normalized_accept_encoding

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "content-length", "expect",
})
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# Set by the edge on every viewer response, so never taken from the origin.
EDGE_RESPONSE_HEADERS = frozenset({"x-cache", "via", "age", "x-amz-cf-pop", "x-amz-cf-id"})
_NOT_STORED = HOP_BY_HOP | EDGE_RESPONSE_HEADERS
# Never forwarded on a miss: the edge fetches whole objects for its cache.
_CONDITIONAL = frozenset({"if-none-match", "if-modified-since", "if-match",
                          "if-unmodified-since", "if-range", "range"})
# Request bodies keep their type, whatever the policy.
_BODY = frozenset({"content-type", "content-encoding"})


def origin_request_headers(viewer: Iterable[tuple[str, str]], behavior: CacheBehavior,
                           origin: Origin, request_id: str, client_ip: str,
                           origin_request_policy_id: str = "") -> dict[str, str]:
    """The headers of the request the edge sends to ``origin`` (lower-case names)."""
    policy = behavior.policy
    forward_all = origin_request_policy_id in (ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST)
    wanted = set(policy.headers) | _BODY
    if policy.accept_encoding_gzip or policy.accept_encoding_brotli:
        wanted.add("accept-encoding")
    if policy.cookies != "none":
        wanted.add("cookie")
    out: dict[str, str] = {}
    xff = ""
    host = ""
    for name, value in viewer:
        low = name.lower()
        if low == "x-forwarded-for":
            xff = value
        elif low == "host":
            host = value
        elif low in HOP_BY_HOP or low in _CONDITIONAL:
            continue
        elif forward_all or low in wanted:
            out[low] = value
    if not forward_all:
        _as_keyed(out, policy)
    forward_host = origin_request_policy_id == ALL_VIEWER or "host" in wanted
    out["host"] = host if forward_host and host else origin.domain_name
    for name, value in origin.custom_headers:
        out[name.lower()] = value
    out["x-forwarded-for"] = f"{xff}, {client_ip}" if xff else client_ip
    out["x-amz-cf-id"] = request_id
    out.setdefault("user-agent", "Amazon CloudFront")  # unless the viewer's is forwarded
    return out


def _as_keyed(out: dict[str, str], policy: CachePolicy) -> None:
    """Cookie and Accept-Encoding as the cache key has them (see the module text)."""
    if "cookie" in out and policy.cookies in ("whitelist", "allExcept"):
        keep = policy.cookies == "whitelist"
        names = set(policy.cookie_names)
        kept = [part.strip() for part in out["cookie"].split(";")
                if part.strip() and (part.strip().partition("=")[0] in names) == keep]
        if kept:
            out["cookie"] = "; ".join(kept)
        else:
            del out["cookie"]
    gzip, brotli = policy.accept_encoding_gzip, policy.accept_encoding_brotli
    if "accept-encoding" in out and (gzip or brotli) and "accept-encoding" not in policy.headers:
        normalized = normalized_accept_encoding(out["accept-encoding"], gzip, brotli)
        if normalized:
            out["accept-encoding"] = normalized
        else:
            del out["accept-encoding"]


def origin_query(behavior: CacheBehavior, query: str) -> str:
    """The query string sent to the origin: only what the cache policy keys on
    (all of it under the AllViewer origin request policies)."""
    if not query:
        return ""
    if behavior.origin_request_policy_id in (ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST):
        return query
    policy = behavior.policy
    mode = policy.query_strings
    if mode == "all" or (policy.name == LEGACY_NAME and mode == "whitelist"):
        return query  # legacy QueryString: true forwards all, keys only on QueryStringCacheKeys
    if mode == "none":
        return ""
    names = policy.query_string_names
    keep = [part for part in query.split("&")
            if part and (part.partition("=")[0] in names) == (mode == "whitelist")]
    return "&".join(keep)


def viewer_response_headers(origin_headers: Mapping[str, str] | Iterable[tuple[str, str]]
                            ) -> tuple[tuple[str, str], ...]:
    """The origin response headers kept for the viewer (and stored with a cached object).

    Hop-by-hop headers and the ones the edge sets per response are dropped;
    ``Server: CloudFront`` is added when the origin sent no Server header.
    """
    items = origin_headers.items() if isinstance(origin_headers, Mapping) else origin_headers
    kept = [(k, v) for k, v in items if k.lower() not in _NOT_STORED]
    if not any(k.lower() == "server" for k, _ in kept):
        kept.append(("Server", "CloudFront"))
    return tuple(kept)
