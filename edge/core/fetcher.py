"""What a miss asks of an origin, and what it gets back (the seam between the core and the wire).

The POP never opens a socket. It hands a :class:`Fetcher` the target (one origin or a
group), the behaviour and the request, and gets a :class:`FetchResult`: every attempt,
the final response (if any) and why it failed over. :class:`edge.wire.origin_client.OriginClient`
is the real one (pooled keep-alive connections); anything with the same ``fetch`` serves,
the way an httpx transport stands behind its client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from edge.config.model import CacheBehavior, Target
from edge.core.failover import AttemptResult
from edge.core.viewer_context import ViewerContext


@dataclass(frozen=True)
class OriginResponse:
    """A complete origin response, headers already filtered for the viewer."""

    origin_id: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    cache_control: str | None
    expires: str | None
    content_length: int | None = None  # as the origin said (what a HEAD answer reports)


@dataclass
class FetchResult:
    """Everything a miss learned: every try, the response (if any) and why it failed over."""

    attempts: list[AttemptResult] = field(default_factory=list)
    response: OriginResponse | None = None
    failure: str | None = None
    failover_reason: str | None = None
    upstream_ms: float | None = None  # from the first attempt to the final answer (Server-Timing)
    edge_error: Any = None  # an origin-request/-response Lambda@Edge failure (a FunctionError)
    generated: bool = False  # the response came from an origin-request Lambda, not an origin

    @property
    def attempts_text(self) -> str:
        """``primary:503|secondary:200``: the x-origin-attempts log column."""
        return "|".join(f"{a.origin_id}:{a.log_word}" for a in self.attempts)


class Fetcher(Protocol):
    """Sends one viewer request to ``target``'s origins, with retries and failover."""

    async def fetch(self, target: Target, behavior: CacheBehavior, method: str, path_qs: str,
                    viewer_headers: Iterable[tuple[str, str]], body: bytes | None,
                    request_id: str, viewer: ViewerContext,
                    extra_headers: dict[str, str] | None = None, hooks: Any = None) -> FetchResult: ...
