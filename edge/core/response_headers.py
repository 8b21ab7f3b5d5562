"""What a response headers policy does to one viewer response (pure functions).

In this order, on the headers the origin (or the cache, or the edge itself) produced:

1. **remove** the listed headers;
2. **security and custom headers**: set each one the response lacks; replace the origin's
   value only where the policy says ``Override``;
3. **CORS**, for a request with an ``Origin`` header the policy allows (``*`` or listed):
   ``Access-Control-Allow-Origin`` (``*``, or the request's origin echoed with ``Vary:
   Origin``), ``-Allow-Credentials``, ``-Expose-Headers``; on a preflight (``OPTIONS`` with
   ``Access-Control-Request-Method``) also ``-Allow-Methods``, ``-Allow-Headers`` and
   ``-Max-Age``. With ``OriginOverride`` false an origin that sent its own
   ``Access-Control-Allow-Origin`` keeps all its CORS headers;
4. **Server-Timing**, for ``SamplingRate`` percent of requests and every request that sends
   ``Pragma: server-timing``: ``cdn-cache-hit|refresh|miss``, ``cdn-pop``, ``cdn-rid``,
   ``cdn-hit-layer`` (hits), ``cdn-upstream-layer`` and ``cdn-upstream-fbl`` (what went to
   the origin), ``cdn-downstream-fbl``. The emulator does not report
   ``cdn-upstream-dns``/``-connect`` (its pooled client does not time them apart).

A preflight on a behaviour whose policy has CORS with ``OriginOverride`` is answered by the
edge itself (:func:`preflight_headers`): the origin's answer would be overridden anyway.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from edge.config.response_headers_policies import Cors, ResponseHeadersPolicy

Headers = tuple[tuple[str, str], ...]
_CORS_NAMES = frozenset({"access-control-allow-origin", "access-control-allow-credentials",
                         "access-control-expose-headers", "access-control-allow-methods",
                         "access-control-allow-headers", "access-control-max-age"})
_CACHE_WORD = {"Hit": "cdn-cache-hit", "RefreshHit": "cdn-cache-refresh", "Miss": "cdn-cache-miss"}


@dataclass(frozen=True, slots=True)
class Timing:
    """What Server-Timing says about one response."""

    result: str              # the X-Cache word
    pop: str
    request_id: str
    downstream_fbl_ms: int   # from the request's arrival to its answer
    upstream_fbl_ms: int | None = None  # the wait on the origin, when the answer needed one
    layer: str = "EDGE"      # where the hit was, or where the miss went from (REC: regional tier)


def static_headers(policy: ResponseHeadersPolicy, headers: Headers) -> Headers:
    """Steps 1 and 2: the same for every request of an object (the edge keeps the result)."""
    removed = policy.remove
    out = [(k, v) for k, v in headers if k.lower() not in removed] if removed else list(headers)
    for setting in policy.headers:
        low = setting.name.lower()
        present = any(k.lower() == low for k, _ in out)
        if present and not setting.override:
            continue
        if present:
            out = [(k, v) for k, v in out if k.lower() != low]
        out.append((setting.name, setting.value))
    return tuple(out)


def is_preflight(method: str, request_headers: Mapping[str, str]) -> bool:
    return (method == "OPTIONS" and "Origin" in request_headers
            and "Access-Control-Request-Method" in request_headers)


def _allowed_origin(cors: Cors, origin: str) -> str | None:
    if "*" in cors.allow_origins:
        return "*"
    return origin if origin in cors.allow_origins else None


def _cors_lines(cors: Cors, allowed: str, preflight: bool) -> list[tuple[str, str]]:
    out = [("Access-Control-Allow-Origin", allowed)]
    if allowed != "*":
        out.append(("Vary", "Origin"))
    if cors.allow_credentials:
        out.append(("Access-Control-Allow-Credentials", "true"))
    if cors.expose_headers:
        out.append(("Access-Control-Expose-Headers", ", ".join(cors.expose_headers)))
    if preflight:
        methods = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT") \
            if "ALL" in cors.allow_methods else cors.allow_methods
        if methods:
            out.append(("Access-Control-Allow-Methods", ", ".join(methods)))
        if cors.allow_headers:
            out.append(("Access-Control-Allow-Headers", ", ".join(cors.allow_headers)))
        if cors.max_age is not None:
            out.append(("Access-Control-Max-Age", str(cors.max_age)))
    return out


def with_cors(cors: Cors, headers: Headers, method: str, request_headers: Mapping[str, str]) -> Headers:
    """Step 3."""
    origin = request_headers.get("Origin")
    if origin is None:
        return headers
    allowed = _allowed_origin(cors, origin)
    if allowed is None:
        return headers
    if not cors.origin_override and any(k.lower() == "access-control-allow-origin" for k, _ in headers):
        return headers  # the origin answered CORS itself
    kept = [(k, v) for k, v in headers if k.lower() not in _CORS_NAMES]
    return tuple(kept + _cors_lines(cors, allowed, is_preflight(method, request_headers)))


def preflight_headers(policy: ResponseHeadersPolicy, request_headers: Mapping[str, str]) -> Headers | None:
    """The headers of the edge's own answer to a preflight, or None when the edge does not
    answer it (no CORS with OriginOverride in the policy, or an origin it does not allow)."""
    cors = policy.cors
    if cors is None or not cors.origin_override:
        return None
    allowed = _allowed_origin(cors, request_headers.get("Origin", ""))
    if allowed is None:
        return None
    return (("Server", "CloudFront"), *_cors_lines(cors, allowed, preflight=True))


def sampled(policy: ResponseHeadersPolicy, request_headers: Mapping[str, str],
            draw: float | None = None) -> bool:
    """Whether this response carries Server-Timing (``draw``: a number in [0, 100))."""
    if not policy.server_timing:
        return False
    if "server-timing" in request_headers.get("Pragma", "").lower():
        return True
    return (random.random() * 100 if draw is None else draw) < policy.sampling_rate


def server_timing(t: Timing) -> str:
    """Step 4: the header's value."""
    parts = []
    if t.upstream_fbl_ms is not None:
        parts += [f'cdn-upstream-layer;desc="{t.layer}"', f"cdn-upstream-fbl;dur={t.upstream_fbl_ms}"]
    word = _CACHE_WORD.get(t.result)
    if word is None and t.upstream_fbl_ms is not None:
        word = "cdn-cache-miss"
    if word:
        parts.append(word)
    parts += [f'cdn-pop;desc="{t.pop}"', f'cdn-rid;desc="{t.request_id}"']
    if t.result in ("Hit", "RefreshHit"):
        parts.append(f'cdn-hit-layer;desc="{t.layer}"')
    parts.append(f"cdn-downstream-fbl;dur={t.downstream_fbl_ms}")
    return ",".join(parts)
