"""Response headers policies: what the edge adds to, or removes from, every viewer response.

The managed policies CloudFront ships are known by ID and by name (``Managed-`` prefix
optional); custom ones come from ``ResponseHeadersPolicyConfig`` files
(``python -m edge --response-headers-policy FILE``, what ``aws cloudfront
get-response-headers-policy --id ID`` prints). A behaviour naming any other ID is refused
(``NoSuchResponseHeadersPolicy``). Validation follows the API reference
(ResponseHeadersPolicyConfig): FrameOption ``DENY | SAMEORIGIN``, the eight ReferrerPolicy
values, Server-Timing ``SamplingRate`` 0..100 with at most four decimals, custom headers not
CloudFront's own. What the policy *does* is :mod:`edge.core.response_headers`.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.config.jsonpath import Node, load_each, managed

FRAME_OPTIONS = ("DENY", "SAMEORIGIN")
REFERRER_POLICIES = ("no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
                     "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url")
CORS_METHODS = ("GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "ALL")
# Headers a custom or remove entry may not name (the edge sets them, or HTTP needs them).
RESERVED = frozenset({"x-cache", "via", "age", "x-amz-cf-pop", "x-amz-cf-id", "server-timing",
                      "content-length", "content-encoding", "transfer-encoding", "connection",
                      "date", "server", "set-cookie"})
# Removing these is refused by the API (the connection or the content depend on them).
NOT_REMOVABLE = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection",
                           "upgrade", "date", "server", "via", "x-cache", "x-amz-cf-pop", "x-amz-cf-id"})


@dataclass(frozen=True)
class Cors:
    """A CorsConfig; ``allow_methods`` may be ``("ALL",)``; names as given."""

    allow_origins: tuple[str, ...]
    allow_headers: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_credentials: bool
    origin_override: bool
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None


@dataclass(frozen=True)
class HeaderSetting:
    """One header the policy sets; ``override``: replace what the origin sent."""

    name: str
    value: str
    override: bool


@dataclass(frozen=True)
class ResponseHeadersPolicy:
    name: str
    policy_id: str
    cors: Cors | None = None
    headers: tuple[HeaderSetting, ...] = ()  # security headers, then custom headers
    remove: tuple[str, ...] = ()  # lower-case
    server_timing: bool = False
    sampling_rate: float = 0.0  # percent of requests that get Server-Timing


_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_SIMPLE_CORS = Cors(("*",), (), (), allow_credentials=False, origin_override=False)
_PREFLIGHT_CORS = Cors(("*",), ("*",), _ALL_METHODS, allow_credentials=False, origin_override=False,
                       expose_headers=("*",))
_SECURITY = (
    HeaderSetting("Referrer-Policy", "strict-origin-when-cross-origin", False),
    HeaderSetting("Strict-Transport-Security", "max-age=31536000", False),
    HeaderSetting("X-Content-Type-Options", "nosniff", True),
    HeaderSetting("X-Frame-Options", "SAMEORIGIN", False),
    HeaderSetting("X-XSS-Protection", "1; mode=block", False),
)

# AWS Developer Guide, "Use managed response headers policies" (names, IDs and settings).
MANAGED_RESPONSE_HEADERS_POLICIES: dict[str, ResponseHeadersPolicy] = {
    p.policy_id: p
    for p in (
        ResponseHeadersPolicy("SimpleCORS", "60669652-455b-4ae9-85a4-c4c02393f86c", cors=_SIMPLE_CORS),
        ResponseHeadersPolicy("CORS-With-Preflight", "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
                              cors=_PREFLIGHT_CORS),
        ResponseHeadersPolicy("SecurityHeadersPolicy", "67f7725c-6f97-4210-82d7-5512b31e9d03",
                              headers=_SECURITY),
        ResponseHeadersPolicy("CORS-and-SecurityHeadersPolicy", "e61eb60c-9c35-4d20-a928-2b84e02af89c",
                              cors=_SIMPLE_CORS, headers=_SECURITY),
        ResponseHeadersPolicy("CORS-with-preflight-and-SecurityHeadersPolicy",
                              "eaab4381-ed33-4a86-88ca-d9558dc6cd63", cors=_PREFLIGHT_CORS,
                              headers=_SECURITY),
    )
}
_BY_NAME = {p.name: p for p in MANAGED_RESPONSE_HEADERS_POLICIES.values()}


def managed_response_headers_policy(ref: str) -> ResponseHeadersPolicy | None:
    """The managed policy with this ID or name (``Managed-`` prefix optional), else None."""
    return managed(ref, MANAGED_RESPONSE_HEADERS_POLICIES, _BY_NAME)


def load_response_headers_policies(paths: tuple[str, ...] | list[str]) -> dict[str, ResponseHeadersPolicy]:
    """Every policy of ``paths``, by Id and by Name; ConfigError (one line) on a bad file."""
    return load_each(paths, "ResponseHeadersPolicy", parse_response_headers_policy, lambda p: (p.policy_id, p.name))


def _strings(node: Node) -> tuple[str, ...]:
    return tuple(item.str() for item in node.items())


def _choice(node: Node, field: str, allowed: tuple[str, ...]) -> str:
    value = node.get(field).str()
    if value not in allowed:
        raise node.get(field).error(f"{value!r} is not allowed (allowed: {', '.join(allowed)})")
    return value


def _cors(node: Node) -> Cors:
    methods = _strings(node.get("AccessControlAllowMethods"))
    for method in methods:
        if method not in CORS_METHODS:
            raise node.get("AccessControlAllowMethods").error(
                f"{method!r} is not allowed (allowed: {', '.join(CORS_METHODS)})")
    origins = _strings(node.get("AccessControlAllowOrigins"))
    if not origins:
        raise node.get("AccessControlAllowOrigins").error("at least one origin is required")
    max_age = node.get("AccessControlMaxAgeSec", None)
    return Cors(
        allow_origins=origins,
        allow_headers=_strings(node.get("AccessControlAllowHeaders")),
        allow_methods=methods,
        allow_credentials=node.get("AccessControlAllowCredentials").bool(),
        origin_override=node.get("OriginOverride").bool(),
        expose_headers=_strings(node.get("AccessControlExposeHeaders", {"Quantity": 0})),
        max_age=None if max_age.value is None else max_age.int(0),
    )


def _security(node: Node) -> list[HeaderSetting]:
    out: list[HeaderSetting] = []
    if node.has("ReferrerPolicy"):
        item = node.get("ReferrerPolicy").obj()
        out.append(HeaderSetting("Referrer-Policy", _choice(item, "ReferrerPolicy", REFERRER_POLICIES),
                                 item.get("Override").bool()))
    if node.has("StrictTransportSecurity"):
        item = node.get("StrictTransportSecurity").obj()
        value = f"max-age={item.get('AccessControlMaxAgeSec').int(0)}"
        if item.get("IncludeSubdomains", False).bool():
            value += "; includeSubDomains"
        if item.get("Preload", False).bool():
            value += "; preload"
        out.append(HeaderSetting("Strict-Transport-Security", value, item.get("Override").bool()))
    if node.has("ContentTypeOptions"):
        item = node.get("ContentTypeOptions").obj()
        out.append(HeaderSetting("X-Content-Type-Options", "nosniff", item.get("Override").bool()))
    if node.has("FrameOptions"):
        item = node.get("FrameOptions").obj()
        out.append(HeaderSetting("X-Frame-Options", _choice(item, "FrameOption", FRAME_OPTIONS),
                                 item.get("Override").bool()))
    if node.has("XSSProtection"):
        item = node.get("XSSProtection").obj()
        value = "1" if item.get("Protection").bool() else "0"
        mode_block = item.get("ModeBlock", False).bool()
        report = item.get("ReportUri", "").str()
        if value == "0" and (mode_block or report):
            raise item.error("ModeBlock and ReportUri need Protection: true")
        if mode_block and report:
            raise item.error("give ModeBlock or ReportUri, not both")
        value += "; mode=block" if mode_block else (f"; report={report}" if report else "")
        out.append(HeaderSetting("X-XSS-Protection", value, item.get("Override").bool()))
    if node.has("ContentSecurityPolicy"):
        item = node.get("ContentSecurityPolicy").obj()
        out.append(HeaderSetting("Content-Security-Policy", item.get("ContentSecurityPolicy").str(),
                                 item.get("Override").bool()))
    return out


def _custom(node: Node) -> list[HeaderSetting]:
    out: list[HeaderSetting] = []
    for item in node.items():
        name = item.get("Header").str()
        if name.lower() in RESERVED:
            raise item.get("Header").error(f"{name!r} cannot be set by a response headers policy")
        out.append(HeaderSetting(name, item.get("Value").str(), item.get("Override").bool()))
    return out


def _remove(node: Node) -> list[str]:
    out: list[str] = []
    for item in node.items():
        name = item.get("Header").str()
        if name.lower() in NOT_REMOVABLE:
            raise item.get("Header").error(f"{name!r} cannot be removed by a response headers policy")
        out.append(name.lower())
    return out


def parse_response_headers_policy(root: Node) -> ResponseHeadersPolicy:
    """``{"Id", "ResponseHeadersPolicyConfig": {...}}`` as the API returns it."""
    config = root.get("ResponseHeadersPolicyConfig").obj()
    name = config.get("Name").str()
    headers = []
    if config.has("SecurityHeadersConfig"):
        headers += _security(config.get("SecurityHeadersConfig").obj())
    if config.has("CustomHeadersConfig"):
        headers += _custom(config.get("CustomHeadersConfig"))
    timing = config.get("ServerTimingHeadersConfig", {"Enabled": False}).obj()
    enabled = timing.get("Enabled").bool()
    rate = timing.get("SamplingRate", 0)
    if not isinstance(rate.value, (int, float)) or isinstance(rate.value, bool) or not 0 <= rate.value <= 100 \
            or round(float(rate.value), 4) != float(rate.value):
        raise rate.error(f"{rate.value!r}: a percentage 0..100 with at most four decimals")
    if enabled and not timing.has("SamplingRate"):
        raise timing.get("SamplingRate").error("is required when Enabled is true")
    return ResponseHeadersPolicy(
        name=name, policy_id=root.get("Id", "").str() or name,
        cors=_cors(config.get("CorsConfig").obj()) if config.has("CorsConfig") else None,
        headers=tuple(headers),
        remove=tuple(_remove(config.get("RemoveHeadersConfig"))) if config.has("RemoveHeadersConfig") else (),
        server_timing=enabled, sampling_rate=float(rate.value),
    )
