"""How long CloudFront keeps an origin response: the TTL decision, without IO.

Rules (CloudFront Developer Guide, "Expiration"):

* freshness comes from ``s-maxage``, else ``max-age``, else ``Expires - now``;
* ``no-store``, ``no-cache`` or ``private`` mean "do not cache", unless the
  behaviour's MinTTL is above 0, which overrides them;
* no freshness header: ``max(MinTTL, DefaultTTL)``;
* otherwise ``min(max(fresh, MinTTL), MaxTTL)``.

307 and 308 are stored only when the origin sent a Cache-Control header (current AWS text,
"HTTP 3xx status codes"); without one they are passed on and not cached.

Errors follow their own table (``error_ttl``): 404, 414, 500, 501, 502, 503 and
504 are cached for ``max(ErrorCachingMinTTL, origin freshness capped at
MaxTTL)``; 400, 403, 405, 412 and 415 only when the origin sent
max-age/s-maxage; everything else (416 included) never. CachingDisabled caches
nothing, errors included. ``None`` always means "not cached".
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from edge.config.policies import CachePolicy

DEFAULT_ERROR_CACHING_MIN_TTL = 10
ERRORS_CACHED_BY_DEFAULT = frozenset({404, 414, 500, 501, 502, 503, 504})
ERRORS_CACHED_IF_MAX_AGE = frozenset({400, 403, 405, 412, 415})
# Success and redirect codes CloudFront stores like any object.
CACHEABLE_STATUSES = frozenset({200, 203, 204, 206, 300, 301, 302, 303, 307, 308, 410})
CACHED_ONLY_WITH_CACHE_CONTROL = frozenset({307, 308})
_UNCACHEABLE_DIRECTIVES = ("no-store", "no-cache", "private")


def parse_cache_control(value: str | None) -> dict[str, str | None]:
    """``"public, max-age=60"`` -> ``{"public": None, "max-age": "60"}`` (names lower-cased)."""
    directives: dict[str, str | None] = {}
    if not value:
        return directives
    for part in value.split(","):
        name, sep, arg = part.strip().partition("=")
        name = name.strip().lower()
        if name:
            directives[name] = arg.strip().strip('"') if sep else None
    return directives


def _seconds(arg: str | None) -> int | None:
    if arg is None:
        return None
    try:
        return max(0, int(arg))
    except ValueError:
        return None


def freshness(directives: dict[str, str | None], expires: str | None, now: float) -> int | None:
    """Seconds of freshness the origin asked for, or None when it said nothing usable."""
    for name in ("s-maxage", "max-age"):
        if name in directives:
            value = _seconds(directives[name])
            if value is not None:
                return value
    if expires:
        try:
            when = parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return 0  # an invalid Expires means "already expired" (RFC 9111 5.3)
        return max(0, int(when - now))
    return None


def object_ttl(policy: CachePolicy, cache_control: str | None, expires: str | None,
               now: float) -> int | None:
    """TTL in seconds for a cacheable (2xx/3xx) response, or None when it is not stored."""
    if policy.caching_disabled:
        return None
    directives = parse_cache_control(cache_control)
    if any(d in directives for d in _UNCACHEABLE_DIRECTIVES):
        return policy.min_ttl if policy.min_ttl > 0 else None
    fresh = freshness(directives, expires, now)
    if fresh is None:
        ttl = max(policy.min_ttl, policy.default_ttl)
    else:
        ttl = min(max(fresh, policy.min_ttl), policy.max_ttl)
    return ttl if ttl > 0 else None


def error_ttl(policy: CachePolicy, status: int, cache_control: str | None,
              expires: str | None, now: float,
              error_caching_min_ttl: int | None = None) -> int | None:
    """TTL in seconds for an error response from the origin, or None when not stored.

    ``error_caching_min_ttl`` is the CustomErrorResponse's value for this code,
    if the distribution configures one.
    """
    if policy.caching_disabled:
        return None
    directives = parse_cache_control(cache_control)
    has_max_age = "max-age" in directives or "s-maxage" in directives
    if status in ERRORS_CACHED_IF_MAX_AGE and not has_max_age:
        return None
    if status not in ERRORS_CACHED_BY_DEFAULT and status not in ERRORS_CACHED_IF_MAX_AGE:
        return None
    floor = DEFAULT_ERROR_CACHING_MIN_TTL if error_caching_min_ttl is None else error_caching_min_ttl
    fresh = freshness(directives, expires, now)
    ttl = floor if fresh is None else max(floor, min(fresh, policy.max_ttl))
    return ttl if ttl > 0 else None


def response_ttl(policy: CachePolicy, status: int, cache_control: str | None,
                 expires: str | None, now: float,
                 error_caching_min_ttl: int | None = None) -> int | None:
    """The one entry point: TTL for any origin response, or None when it is not stored."""
    if status in CACHED_ONLY_WITH_CACHE_CONTROL and not cache_control:
        return None
    if status in CACHEABLE_STATUSES:
        return object_ttl(policy, cache_control, expires, now)
    if status >= 400:
        return error_ttl(policy, status, cache_control, expires, now, error_caching_min_ttl)
    return None


def storage_ttl(policy: CachePolicy, method: str, status: int, cache_control: str | None,
                expires: str | None, now: float,
                error_caching_min_ttl: int | None = None) -> int | None:
    """How long a miss's answer (origin's or the edge's own 502/504) is stored, or None.

    A HEAD answer has no body, so it never fills the object GET would be served from.
    """
    if method == "HEAD":
        return None
    return response_ttl(policy, status, cache_control, expires, now, error_caching_min_ttl)
