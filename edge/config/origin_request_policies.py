"""Origin request policies: what reaches the origin beyond the cache key.

The managed policies CloudFront ships are known by ID and by name (with or without the
``Managed-`` prefix the console shows); custom ones come from ``OriginRequestPolicyConfig``
files (``python -m edge --origin-request-policy FILE``, what ``aws cloudfront
get-origin-request-policy --id ID`` prints). A behaviour naming any other ID is refused, as
the API refuses it (``NoSuchOriginRequestPolicy``).

Behaviours (API reference, OriginRequestPolicyHeadersConfig / CookiesConfig /
QueryStringsConfig): headers ``none | whitelist | allViewer |
allViewerAndWhitelistCloudFront | allExcept``; cookies and query strings ``none | whitelist |
all | allExcept``. What the cache policy keys on is forwarded whatever the origin request
policy says.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.config.jsonpath import Node, load_each, managed
from edge.config.viewer_location import CLOUDFRONT_HEADERS

HEADER_BEHAVIORS = ("none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept")
LIST_BEHAVIORS = ("none", "whitelist", "all", "allExcept")
MAX_NAMES = 10  # per list (quota: headers, cookies and query strings in an origin request policy)


@dataclass(frozen=True)
class OriginRequestPolicy:
    """One origin request policy; header names lower-case."""

    name: str
    policy_id: str
    header_behavior: str = "none"
    headers: tuple[str, ...] = ()
    cookie_behavior: str = "none"
    cookies: tuple[str, ...] = ()
    query_string_behavior: str = "none"
    query_strings: tuple[str, ...] = ()

    @property
    def all_viewer_headers(self) -> bool:
        return self.header_behavior in ("allViewer", "allViewerAndWhitelistCloudFront", "allExcept")

    def forwards_header(self, name: str) -> bool:
        """Whether a viewer header ``name`` (lower-case) goes to the origin under this policy."""
        behavior = self.header_behavior
        if behavior in ("allViewer", "allViewerAndWhitelistCloudFront"):
            return True
        if behavior == "allExcept":
            return name not in self.headers
        return behavior == "whitelist" and name in self.headers

    @property
    def cloudfront_headers(self) -> tuple[str, ...]:
        """The CloudFront-* headers this policy asks the edge to add."""
        if self.header_behavior not in ("whitelist", "allViewerAndWhitelistCloudFront"):
            return ()
        return tuple(h for h in self.headers if h in CLOUDFRONT_HEADERS)


_VIEWER_2022 = (
    "cloudfront-forwarded-proto", "cloudfront-is-android-viewer", "cloudfront-is-desktop-viewer",
    "cloudfront-is-ios-viewer", "cloudfront-is-mobile-viewer", "cloudfront-is-smarttv-viewer",
    "cloudfront-is-tablet-viewer", "cloudfront-viewer-address", "cloudfront-viewer-asn",
    "cloudfront-viewer-city", "cloudfront-viewer-country", "cloudfront-viewer-country-name",
    "cloudfront-viewer-country-region", "cloudfront-viewer-country-region-name",
    "cloudfront-viewer-http-version", "cloudfront-viewer-latitude", "cloudfront-viewer-longitude",
    "cloudfront-viewer-metro-code", "cloudfront-viewer-postal-code", "cloudfront-viewer-time-zone",
    "cloudfront-viewer-tls",
)
_CORS_S3 = ("origin", "access-control-request-headers", "access-control-request-method")

# AWS Developer Guide, "Use managed origin request policies" (names, IDs and settings).
MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, OriginRequestPolicy] = {
    p.policy_id: p
    for p in (
        OriginRequestPolicy("AllViewer", "216adef6-5c7f-47e4-b989-5492eafa07d3", "allViewer",
                            cookie_behavior="all", query_string_behavior="all"),
        OriginRequestPolicy("AllViewerAndCloudFrontHeaders-2022-06",
                            "33f36d7e-f396-46d9-90e0-52428a34d9dc",
                            "allViewerAndWhitelistCloudFront", _VIEWER_2022,
                            cookie_behavior="all", query_string_behavior="all"),
        OriginRequestPolicy("AllViewerExceptHostHeader", "b689b0a8-53d0-40ab-baf2-68738e2966ac",
                            "allExcept", ("host",), cookie_behavior="all",
                            query_string_behavior="all"),
        OriginRequestPolicy("CORS-CustomOrigin", "59781a5b-3903-41f3-afcb-af62929ccde1",
                            "whitelist", ("origin",)),
        OriginRequestPolicy("CORS-S3Origin", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
                            "whitelist", _CORS_S3),
        OriginRequestPolicy("Elemental-MediaTailor-PersonalizedManifests",
                            "775133bc-15f2-49f9-abea-afb2e0bf67d2", "whitelist",
                            _CORS_S3 + ("user-agent", "x-forwarded-for"),
                            query_string_behavior="all"),
        OriginRequestPolicy("HostHeaderOnly", "bf0718e1-ba1e-49d1-88b1-f726733018ae",
                            "whitelist", ("host",)),
        OriginRequestPolicy("UserAgentRefererHeaders", "acba4595-bd28-49b8-b9fe-13317c0390fa",
                            "whitelist", ("user-agent", "referer")),
    )
}
_BY_NAME = {p.name: p for p in MANAGED_ORIGIN_REQUEST_POLICIES.values()}


def managed_origin_request_policy(ref: str) -> OriginRequestPolicy | None:
    """The managed policy with this ID or name (``Managed-`` prefix optional), else None."""
    return managed(ref, MANAGED_ORIGIN_REQUEST_POLICIES, _BY_NAME)


def load_origin_request_policies(paths: tuple[str, ...] | list[str]) -> dict[str, OriginRequestPolicy]:
    """Every policy of ``paths``, by Id and by Name; ConfigError (one line) on a bad file."""
    return load_each(paths, "OriginRequestPolicy", parse_origin_request_policy, lambda p: (p.policy_id, p.name))


def _choice(node: Node, field: str, allowed: tuple[str, ...]) -> str:
    value = node.get(field).str()
    if value not in allowed:
        raise node.get(field).error(f"{value!r} is not allowed (allowed: {', '.join(allowed)})")
    return value


def _names(node: Node, behavior: str, field: str, lower: bool = False) -> tuple[str, ...]:
    if behavior in ("none", "all", "allViewer"):
        return ()
    names = node.get(field, {"Quantity": 0})
    items = names.items()
    if len(items) > MAX_NAMES:
        raise names.error(f"{len(items)} names; at most {MAX_NAMES} are allowed")
    if not items:
        raise names.error(f"{behavior} needs at least one name")
    return tuple(i.str().lower() if lower else i.str() for i in items)


def parse_origin_request_policy(root: Node) -> OriginRequestPolicy:
    """``{"Id", "OriginRequestPolicyConfig": {...}}`` as the API returns it."""
    config = root.get("OriginRequestPolicyConfig").obj()
    name = config.get("Name").str()
    headers_node = config.get("HeadersConfig").obj()
    header_behavior = _choice(headers_node, "HeaderBehavior", HEADER_BEHAVIORS)
    headers = _names(headers_node, header_behavior, "Headers", lower=True)
    if header_behavior == "allViewerAndWhitelistCloudFront":
        strangers = [h for h in headers if h not in CLOUDFRONT_HEADERS]
        if strangers:
            raise headers_node.get("Headers").error(
                f"{strangers[0]!r}: allViewerAndWhitelistCloudFront lists CloudFront headers only "
                "(CloudFront-Viewer-*, CloudFront-Is-*-Viewer, CloudFront-Forwarded-Proto)")
    cookies_node = config.get("CookiesConfig").obj()
    cookie_behavior = _choice(cookies_node, "CookieBehavior", LIST_BEHAVIORS)
    qs_node = config.get("QueryStringsConfig").obj()
    qs_behavior = _choice(qs_node, "QueryStringBehavior", LIST_BEHAVIORS)
    return OriginRequestPolicy(
        name=name, policy_id=root.get("Id", "").str() or name,
        header_behavior=header_behavior, headers=headers,
        cookie_behavior=cookie_behavior, cookies=_names(cookies_node, cookie_behavior, "Cookies"),
        query_string_behavior=qs_behavior,
        query_strings=_names(qs_node, qs_behavior, "QueryStrings"),
    )
