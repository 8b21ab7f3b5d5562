"""Requests CloudFront refuses before looking at the cache (no IO).

The HTTP layer (:mod:`edge.core.viewer_http`) already answers 400 for malformed
requests and 413 for a URL over 8,192 bytes or URL plus headers over 20,480.
Here: a GET or HEAD that carries a body is 403 (CloudFront Developer Guide,
"Requests and responses: custom origins", *GET requests that include a body*).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.core.viewer_http import ViewerRequest

_BODYLESS = frozenset({"GET", "HEAD"})
GET_WITH_BODY_REASON = "Bad request. A GET or HEAD request cannot include a body."


@dataclass(frozen=True)
class Refusal:
    status: int
    detailed: str
    reason: str


def request_refusal(request: ViewerRequest) -> Refusal | None:
    """Why this request is refused, or None when it may proceed."""
    if request.method in _BODYLESS and (request.content_length or request.chunked):
        return Refusal(403, "InvalidRequest", GET_WITH_BODY_REASON)
    return None
