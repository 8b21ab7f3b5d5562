"""Cache policies: the managed ones CloudFront ships, and legacy ForwardedValues TTLs.

Only managed policies are known by ID; a config that names a custom policy ID
cannot be resolved locally (``get-distribution-config`` does not include it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from edge.config.viewer_location import CLOUDFRONT_HEADERS


@dataclass(frozen=True)
class CachePolicy:
    """TTL bounds and cache-key contents of one cache policy.

    ``query_strings`` / ``cookies`` are ``"none"``, ``"all"``, ``"whitelist"`` or
    ``"allExcept"``; ``headers`` are lower-case names put in the key.
    """

    name: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    headers: tuple[str, ...] = ()
    query_strings: str = "none"
    query_string_names: tuple[str, ...] = ()
    cookies: str = "none"
    cookie_names: tuple[str, ...] = ()
    accept_encoding_gzip: bool = False
    accept_encoding_brotli: bool = False
    policy_id: str = ""

    @functools.cached_property
    def edge_headers(self) -> tuple[str, ...]:
        """The CloudFront-* headers this policy keys on: the edge's values, never the viewer's."""
        return tuple(h for h in self.headers if h in CLOUDFRONT_HEADERS)

    @property
    def caching_disabled(self) -> bool:
        """CachingDisabled-like: nothing is stored, not even errors."""
        return self.max_ttl == 0


_ORIGIN_CC_HEADERS = ("host", "origin", "x-http-method", "x-http-method-override", "x-method-override")

MANAGED_POLICIES: dict[str, CachePolicy] = {
    p.policy_id: p
    for p in (
        CachePolicy("CachingOptimized", 1, 86400, 31536000, accept_encoding_gzip=True,
                    accept_encoding_brotli=True, policy_id="658327ea-f89d-4fab-a63d-7e88639e58f6"),
        CachePolicy("CachingOptimizedForUncompressedObjects", 1, 86400, 31536000,
                    policy_id="b2884449-e4de-46a7-ac36-70bc7f1ddd6d"),
        CachePolicy("CachingDisabled", 0, 0, 0, policy_id="4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
        CachePolicy("UseOriginCacheControlHeaders", 0, 0, 31536000, headers=_ORIGIN_CC_HEADERS,
                    cookies="all", accept_encoding_gzip=True, accept_encoding_brotli=True,
                    policy_id="83da9c7e-98b4-4e11-a168-04f0df8e2c65"),
        CachePolicy("UseOriginCacheControlHeaders-QueryStrings", 0, 0, 31536000,
                    headers=_ORIGIN_CC_HEADERS, query_strings="all", cookies="all",
                    accept_encoding_gzip=True, accept_encoding_brotli=True,
                    policy_id="4cc15a8a-d715-48a4-82b8-cc0b614638fe"),
        CachePolicy("Elemental-MediaPackage", 0, 86400, 31536000, headers=("origin",),
                    query_strings="whitelist",
                    query_string_names=("aws.manifestfilter", "end", "m", "start"),
                    accept_encoding_gzip=True, policy_id="08627262-05a9-4f76-9ded-b50ca2e3a84f"),
        CachePolicy("Amplify", 2, 2, 600,
                    headers=("authorization", "cloudfront-viewer-country", "host"),
                    query_strings="all", cookies="all",
                    policy_id="2e54312d-136d-493c-8eb9-b001f22f67d2"),
    )
}

MANAGED_BY_NAME: dict[str, CachePolicy] = {p.name: p for p in MANAGED_POLICIES.values()}


def managed_policy(ref: str) -> CachePolicy | None:
    """The managed policy with this ID (or name, as some tools write it), else None."""
    return MANAGED_POLICIES.get(ref) or MANAGED_BY_NAME.get(ref)


LEGACY_NAME = "legacy-forwarded-values"


def legacy_policy(
    min_ttl: int,
    default_ttl: int,
    max_ttl: int,
    *,
    query_string: bool,
    query_string_names: tuple[str, ...],
    headers: tuple[str, ...],
    cookies: str,
    cookie_names: tuple[str, ...],
) -> CachePolicy:
    """The policy equivalent to a behaviour's legacy ForwardedValues + TTL fields."""
    if query_string:
        qs = "whitelist" if query_string_names else "all"
    else:
        qs = "none"
    return CachePolicy(
        name=LEGACY_NAME,
        min_ttl=min_ttl,
        default_ttl=default_ttl,
        max_ttl=max_ttl,
        headers=tuple(h.lower() for h in headers),
        query_strings=qs,
        query_string_names=query_string_names,
        cookies=cookies,
        cookie_names=cookie_names,
    )
