"""The distribution as typed, validated, immutable objects (built by :mod:`edge.config.loader`).

Names follow the DistributionConfig API (``Origin``, ``OriginGroup``,
``FailoverCriteria``, ``CacheBehavior``) so a reader can map each field back to
the JSON it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edge.config.origin_request_policies import OriginRequestPolicy
from edge.config.policies import CachePolicy
from edge.config.response_headers_policies import ResponseHeadersPolicy

FAILOVER_STATUS_CODES = frozenset({400, 403, 404, 416, 429, 500, 502, 503, 504})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class OriginTimeouts:
    """How long the edge waits for one origin, in seconds (AWS keeps them integers).

    ``connection_attempts`` x ``connection_timeout`` bounds the connect phase;
    ``read_timeout`` bounds the wait for the first byte and between chunks.
    """

    connection_attempts: int = 3
    connection_timeout: int = 10
    read_timeout: int = 30
    keepalive_timeout: int = 5
    response_completion_timeout: int | None = None

    def __repr__(self) -> str:
        completion = (f", completion={self.response_completion_timeout}s"
                      if self.response_completion_timeout else "")
        return (f"OriginTimeouts(attempts={self.connection_attempts}, "
                f"connect={self.connection_timeout}s, read={self.read_timeout}s, "
                f"keepalive={self.keepalive_timeout}s{completion})")


@dataclass(frozen=True)
class Origin:
    """One origin: where requests go (after ``--origin`` mapping) and how they are shaped."""

    id: str
    domain_name: str
    origin_path: str = ""
    custom_headers: tuple[tuple[str, str], ...] = ()
    timeouts: OriginTimeouts = OriginTimeouts()
    protocol_policy: str = "http-only"
    origin_access_control_id: str = ""
    origin_shield: bool = False
    ssl_protocols: tuple[str, ...] = ("TLSv1.2",)  # OriginSslProtocols

    def uses_https(self, viewer_https: bool) -> bool:
        """Whether a request from a viewer on HTTPS (or not) goes to this origin over TLS."""
        policy = self.protocol_policy
        return policy == "https-only" or (policy == "match-viewer" and viewer_https)


@dataclass(frozen=True)
class FailoverCriteria:
    """The origin status codes that send a request on to the secondary."""

    status_codes: frozenset[int]

    def __repr__(self) -> str:
        return f"FailoverCriteria({sorted(self.status_codes)})"


@dataclass(frozen=True)
class OriginGroup:
    """A primary and a secondary origin; misses always try the primary first."""

    id: str
    primary: str
    secondary: str
    criteria: FailoverCriteria


@dataclass(frozen=True)
class CacheBehavior:
    """A path pattern and what happens to requests that match it.

    ``matcher`` is the pattern compiled once at load time (``*`` and ``?`` only).
    """

    path_pattern: str
    target_origin_id: str
    allowed_methods: frozenset[str]
    cached_methods: frozenset[str]
    policy: CachePolicy
    viewer_protocol_policy: str = "allow-all"
    compress: bool = False
    field_level_encryption_id: str = ""
    origin_request_policy: OriginRequestPolicy | None = None
    response_headers_policy: ResponseHeadersPolicy | None = None
    # CloudFront Functions by event type (viewer-request, viewer-response): the function's name
    functions: tuple[tuple[str, str], ...] = ()
    # Lambda@Edge by event type (viewer-/origin-request/-response): the function's name
    lambdas: tuple[tuple[str, str], ...] = ()
    matcher: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def function_for(self, event_type: str) -> str | None:
        """The name of the CloudFront function associated with ``event_type``, if any."""
        for event, name in self.functions:
            if event == event_type:
                return name
        return None

    def lambda_for(self, event_type: str) -> str | None:
        """The name of the Lambda@Edge function associated with ``event_type``, if any."""
        for event, name in self.lambdas:
            if event == event_type:
                return name
        return None

    def matches(self, path: str) -> bool:
        """True when ``path`` (no query string) matches this behaviour's pattern."""
        return self.matcher is None or self.matcher.fullmatch(path) is not None


@dataclass(frozen=True)
class CustomErrorResponse:
    """How one origin error code is rewritten and how long it is cached."""

    error_code: int
    response_page_path: str = ""
    response_code: int | None = None
    error_caching_min_ttl: int | None = None


@dataclass(frozen=True)
class Target:
    """What a behaviour's TargetOriginId resolves to: one origin, or a group's two."""

    origins: tuple[Origin, ...]
    criteria: FailoverCriteria | None = None


@dataclass(frozen=True)
class Distribution:
    """A whole validated DistributionConfig."""

    origins: dict[str, Origin]
    origin_groups: dict[str, OriginGroup]
    behaviors: tuple[CacheBehavior, ...]
    default_behavior: CacheBehavior
    custom_error_responses: dict[int, CustomErrorResponse]
    comment: str = ""
    default_root_object: str = ""
    enabled: bool = True
    etag: str = ""

    def target(self, target_id: str) -> Target:
        """Resolve a TargetOriginId (validated to exist at load time)."""
        group = self.origin_groups.get(target_id)
        if group is None:
            return Target((self.origins[target_id],))
        return Target((self.origins[group.primary], self.origins[group.secondary]), group.criteria)
