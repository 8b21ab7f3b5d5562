"""The cache key: what makes two viewer requests share one cached object.

Always the Host and the URL path; the method too for OPTIONS (cached apart from
GET/HEAD); then whatever the behaviour's cache policy adds: query strings,
headers, cookies and a normalised Accept-Encoding. Query-string order and case
matter (``a=1&b=2`` and ``b=2&a=1`` are different objects), as in CloudFront.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import SimpleCookie

from edge.config.policies import CachePolicy

CacheKey = tuple[str, ...]


def _select(pairs: list[tuple[str, str]], behaviour: str, names: tuple[str, ...]) -> list[str]:
    if behaviour == "all":
        return [f"{k}={v}" for k, v in pairs]
    if behaviour == "whitelist":
        return [f"{k}={v}" for k, v in pairs if k in names]
    if behaviour == "allExcept":
        return [f"{k}={v}" for k, v in pairs if k not in names]
    return []


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        if part:
            k, _, v = part.partition("=")
            pairs.append((k, v))
    return pairs


_NORMALIZED: dict[tuple[str, bool, bool], str] = {}


def normalized_accept_encoding(value: str | None, gzip: bool, brotli: bool) -> str:
    """CloudFront's normalised Accept-Encoding: ``br,gzip``, ``gzip``, ``br`` or empty."""
    if not value or not (gzip or brotli):
        return ""
    # Viewers send few distinct values: remember them instead of parsing each request's.
    memo = (value, gzip, brotli)
    known = _NORMALIZED.get(memo)
    if known is None:
        if len(_NORMALIZED) > 4096:
            _NORMALIZED.clear()
        known = _NORMALIZED[memo] = _normalize(value, gzip, brotli)
    return known


def _normalize(value: str, gzip: bool, brotli: bool) -> str:
    tokens = {t.split(";")[0].strip().lower() for t in value.split(",")}
    out = []
    if brotli and "br" in tokens:
        out.append("br")
    if gzip and "gzip" in tokens:
        out.append("gzip")
    return ",".join(out)


def cache_key(policy: CachePolicy, method: str, host: str, path: str, query: str,
              headers: Mapping[str, str]) -> CacheKey:
    """The key of a viewer request under ``policy``. ``headers`` is case-insensitive."""
    key: list[str] = [host, path]
    if method == "OPTIONS":
        key.append("OPTIONS")
    if policy.query_strings != "none" and query:
        key.append("?" + "&".join(_select(_query_pairs(query), policy.query_strings,
                                          policy.query_string_names)))
    for name in policy.headers:
        key.append(f"{name}:{headers.get(name, '')}")
    if policy.cookies != "none":
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header keys as "no cookies", as browsers send junk
            jar = SimpleCookie()
        pairs = sorted((k, m.value) for k, m in jar.items())
        key.append("cookie:" + ";".join(_select(pairs, policy.cookies, policy.cookie_names)))
    if policy.accept_encoding_gzip or policy.accept_encoding_brotli:
        key.append("ae:" + normalized_accept_encoding(
            headers.get("accept-encoding"), policy.accept_encoding_gzip,
            policy.accept_encoding_brotli))
    return tuple(key)
