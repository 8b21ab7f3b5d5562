"""A response headers policy applied to the heads one POP sends (:mod:`edge.core.response_headers`
decides; this keeps the per-object part, so a hit under a policy pays only for what depends on
the request: CORS and a sampled Server-Timing)."""

from __future__ import annotations

import time

from edge.config.response_headers_policies import ResponseHeadersPolicy
from edge.core.memo import Memo
from edge.core.response_headers import Headers, Timing, sampled, server_timing, static_headers, with_cors
from edge.core.viewer_http import ViewerRequest, head_block

KEPT = 4096  # stored heads with a policy's per-object part applied, per POP


class PolicyHeads:
    """The heads of one POP (``pop``: its name; ``layer``: EDGE, or REC with a regional tier)."""

    def __init__(self, pop: str, layer: str) -> None:
        self.pop = pop
        self.layer = layer
        self._kept: Memo[tuple[str, bytes], bytes] = Memo(KEPT)  # by (policy, stored head)

    def head(self, policy: ResponseHeadersPolicy, status: int, headers: Headers,
                     stored: bytes, request: ViewerRequest, word: str, request_id: str,
                     started: float, upstream_ms: float | None) -> bytes:
        """The head of a response under a response headers policy. The per-object part
        (removed, security and custom headers) of a stored head is kept; CORS and
        Server-Timing are added per request, when they apply."""
        cors = policy.cors is not None and "Origin" in request.headers
        timing = sampled(policy, request.headers)
        if stored and not cors and not timing:
            key = (policy.policy_id, stored)
            head = self._kept.get(key)
            if head is None:
                head = self._kept.put(key, head_block(status, static_headers(policy, headers)))
            return head
        out = static_headers(policy, headers)
        if cors and policy.cors is not None:
            out = with_cors(policy.cors, out, request.method, request.headers)
        if timing:
            out += (("Server-Timing", server_timing(Timing(
                word, self.pop, request_id, int((time.monotonic() - started) * 1000),
                None if upstream_ms is None else int(upstream_ms), self.layer))),)
        return head_block(status, out)
