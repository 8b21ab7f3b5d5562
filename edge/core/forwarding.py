"""What crosses the edge, in each direction (pure functions).

The origin request is one function of (viewer request, behaviour, its policies, origin,
viewer context): :func:`origin_request_headers` and :func:`origin_query`. It carries

- what the cache policy puts in the key, *as the key has it*: a cookie whitelist forwards
  only the listed cookies (``allExcept``: all but those), and with gzip/br enabled the origin
  gets the normalised ``Accept-Encoding`` (none when the viewer offered neither);
- what the origin request policy adds (headers, cookies, query strings: ``whitelist``,
  ``allExcept``, ``all``/``allViewer``), and the ``CloudFront-*`` headers either policy names,
  with the edge's values (:mod:`edge.core.viewer_context`), never the viewer's;
- the origin's CustomHeaders (overwriting viewer headers of the same name), ``X-Amz-Cf-Id``,
  ``X-Forwarded-For`` with the viewer's address appended and ``User-Agent: Amazon
  CloudFront`` (unless the viewer's is forwarded); ``Host`` is the origin's domain unless a
  policy forwards the viewer's.

Hop-by-hop and conditional headers never cross. Legacy ``ForwardedValues`` with
``QueryString: true`` forwards every query string, whatever ``QueryStringCacheKeys`` keys on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from edge.config.model import CacheBehavior, Origin
from edge.config.origin_request_policies import OriginRequestPolicy
from edge.config.policies import LEGACY_NAME, CachePolicy
from edge.core.cachekey import normalized_accept_encoding
from edge.core.viewer_context import CLOUDFRONT_HEADERS, ViewerContext, cloudfront_headers

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "content-length", "expect",
})
# Set by the edge on every viewer response, so never taken from the origin.
EDGE_RESPONSE_HEADERS = frozenset({"x-cache", "via", "age", "x-amz-cf-pop", "x-amz-cf-id"})
_NOT_STORED = HOP_BY_HOP | EDGE_RESPONSE_HEADERS
# Never forwarded on a miss: the edge fetches whole objects for its cache.
_CONDITIONAL = frozenset({"if-none-match", "if-modified-since", "if-match",
                          "if-unmodified-since", "if-range", "range"})
# Request bodies keep their type, whatever the policy.
_BODY = frozenset({"content-type", "content-encoding"})
_NO_POLICY = OriginRequestPolicy("none", "")


def origin_request_headers(viewer: Iterable[tuple[str, str]], behavior: CacheBehavior,
                           origin: Origin, request_id: str, context: ViewerContext
                           ) -> dict[str, str]:
    """The headers of the request the edge sends to ``origin`` (lower-case names)."""
    policy = behavior.policy
    orp = behavior.origin_request_policy or _NO_POLICY
    keyed = set(policy.headers) | _BODY
    if policy.accept_encoding_gzip or policy.accept_encoding_brotli:
        keyed.add("accept-encoding")
    if policy.cookies != "none" or orp.cookie_behavior != "none":
        keyed.add("cookie")
    out: dict[str, str] = {}
    xff = ""
    host = ""
    for name, value in viewer:
        low = name.lower()
        if low == "x-forwarded-for":
            xff = value
        elif low == "host":
            host = value
        elif low in HOP_BY_HOP or low in _CONDITIONAL or low in CLOUDFRONT_HEADERS:
            continue
        elif low in keyed or orp.forwards_header(low):
            out[low] = value
    _as_keyed(out, policy, orp)
    wanted_cloudfront = [h for h in policy.headers if h in CLOUDFRONT_HEADERS]
    wanted_cloudfront += orp.cloudfront_headers
    if wanted_cloudfront:
        out.update(cloudfront_headers(tuple(wanted_cloudfront), context, out.get("user-agent", "")))
    forward_host = "host" in keyed or orp.forwards_header("host")
    out["host"] = host if forward_host and host else origin.domain_name
    for name, value in origin.custom_headers:
        out[name.lower()] = value
    out["x-forwarded-for"] = f"{xff}, {context.ip}" if xff else context.ip
    out["x-amz-cf-id"] = request_id
    out.setdefault("user-agent", "Amazon CloudFront")  # unless the viewer's is forwarded
    return out


def _wanted(behavior: str, names: tuple[str, ...], name: str) -> bool:
    """Whether a cookie or query string ``name`` is included under a list behaviour."""
    if behavior == "all":
        return True
    if behavior == "whitelist":
        return name in names
    return behavior == "allExcept" and name not in names


def _as_keyed(out: dict[str, str], policy: CachePolicy, orp: OriginRequestPolicy) -> None:
    """Cookie and Accept-Encoding as the key and the origin request policy have them."""
    if "cookie" in out:
        kept = [part.strip() for part in out["cookie"].split(";")
                if part.strip() and (
                    _wanted(policy.cookies, policy.cookie_names, part.strip().partition("=")[0])
                    or _wanted(orp.cookie_behavior, orp.cookies, part.strip().partition("=")[0]))]
        if kept:
            out["cookie"] = "; ".join(kept)
        else:
            del out["cookie"]
    gzip, brotli = policy.accept_encoding_gzip, policy.accept_encoding_brotli
    if "accept-encoding" in out and (gzip or brotli) and "accept-encoding" not in policy.headers \
            and not orp.forwards_header("accept-encoding"):  # an all-viewer policy sends it as sent
        normalized = normalized_accept_encoding(out["accept-encoding"], gzip, brotli)
        if normalized:
            out["accept-encoding"] = normalized
        else:
            del out["accept-encoding"]


def origin_query(behavior: CacheBehavior, query: str) -> str:
    """The query string sent to the origin: what the cache policy keys on, and what the
    origin request policy adds."""
    if not query:
        return ""
    policy = behavior.policy
    orp = behavior.origin_request_policy or _NO_POLICY
    mode = policy.query_strings
    if mode == "all" or orp.query_string_behavior == "all" or (
            policy.name == LEGACY_NAME and mode == "whitelist"):
        return query  # legacy QueryString: true forwards all, keys only on QueryStringCacheKeys
    names = policy.query_string_names
    keep = [part for part in query.split("&")
            if part and (_wanted(mode, names, part.partition("=")[0]) or _wanted(
                orp.query_string_behavior, orp.query_strings, part.partition("=")[0]))]
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
