"""Stage 2 of the pipeline, the parts that need no POP state: what a request is routed as.

:meth:`edge.pop.pop.Pop.route` matches the behaviour and runs a viewer-request function;
this module holds its result, :class:`Route`, the cache key of a request under a behaviour
and the DefaultRootObject rewrite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from edge.config.model import CacheBehavior
from edge.core.cachekey import CacheKey, cache_key
from edge.core.outcome import Outcome
from edge.core.viewer_context import EdgeValues, ViewerContext, cloudfront_headers
from edge.core.viewer_http import ViewerRequest


@dataclass(slots=True)
class Route:
    """Stage 2's result: the behaviour and the cache key (None when this method is not
    cached under this behaviour, or caching is disabled); with a viewer-request function,
    the request id it saw and its answer when it answered (or failed)."""

    behavior: CacheBehavior
    key: CacheKey | None
    request_id: str | None = None
    answer: Outcome | None = None
    lambda_pending: bool = False  # a viewer-request Lambda@Edge runs first (in _decide)


def with_root_object(request: ViewerRequest, root: str) -> None:
    """``/`` (with or without a query) asks for the DefaultRootObject ``root``."""
    raw = request.raw_path
    if raw == "/" or raw.startswith("/?"):
        request.raw_path = "/" + root + raw[1:]


def request_key(behavior: CacheBehavior, request: ViewerRequest, path: str, query: str,
                viewer: Callable[[ViewerRequest], ViewerContext]) -> CacheKey | None:
    """The cache key of ``request`` under ``behavior`` (None: not cached); ``viewer`` gives
    the edge's values (CloudFront-Viewer-*) when the cache policy keys on them."""
    key = None
    policy = behavior.policy
    if request.method in behavior.cached_methods and not policy.caching_disabled:
        headers: Mapping[str, str] = request.headers
        if policy.headers and policy.edge_headers:
            headers = EdgeValues(cloudfront_headers(
                policy.edge_headers, viewer(request),
                request.headers.get("User-Agent", "")), request.headers)
        key = cache_key(policy, request.method, request.headers.get("Host", ""), path, query, headers)
    return key
