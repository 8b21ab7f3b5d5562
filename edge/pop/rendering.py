"""The bytes of an answer: what a POP adds after the stored (or generated) head.

Everything after the stored headers that only varies by result word (``X-Cache``, ``Via``,
``X-Amz-Cf-Pop``, the name of ``X-Amz-Cf-Id``) is rendered once per POP, so a hit adds only
its request id, its ``Age`` (pre-rendered for the first hour), its length and, for some
viewers, a ``Connection`` line.
"""

from __future__ import annotations

from edge.core.cache import CacheEntry
from edge.core.outcome import Outcome
from edge.core.responses import via_value
from edge.core.viewer_http import ViewerRequest, head_block

_WORDS = ("Hit", "RefreshHit", "Miss", "Error", "Redirect", "FunctionGeneratedResponse",
          "LambdaGeneratedResponse")
_CLOSE = b"Connection: close\r\n"
_KEEP = b"Connection: keep-alive\r\n"  # HTTP/1.0 viewers need to be told
# The end of the X-Amz-Cf-Id line and the Age line, for the first hour of an object's life.
_AGE_LINES = [b"\r\nAge: %d\r\n" % n for n in range(3600)]


class Renderer:
    """One POP's answers as bytes."""

    def __init__(self, pop: str) -> None:
        via = via_value()
        self._tail = {word: (f"X-Cache: {word} from cloudfront\r\nVia: {via}\r\n"
                             f"X-Amz-Cf-Pop: {pop}\r\nX-Amz-Cf-Id: ").encode("latin-1")
                      for word in _WORDS}

    def entry(self, entry: CacheEntry, head: bytes, word: str, request_id: str, now: float,
              request: ViewerRequest) -> bytes:
        """A cached object's answer: ``head`` (its stored head, or the policy's) and the rest."""
        # Only the request ID and Age are new bytes; everything else was rendered earlier.
        age = int(now - entry.stored_at)
        age_line = _AGE_LINES[age] if 0 <= age < len(_AGE_LINES) else \
            b"\r\nAge: %d\r\n" % max(0, age)
        length_line = entry.length_line or b"Content-Length: %d\r\n" % len(entry.body)
        return b"".join((head, self._tail[word], request_id.encode("ascii"), age_line,
                         length_line, _connection(request), b"\r\n",
                         b"" if request.method == "HEAD" else entry.body))

    def outcome(self, outcome: Outcome, request_id: str, request: ViewerRequest) -> bytes:
        """The response bytes of ``outcome`` for this viewer."""
        head = outcome.head or head_block(outcome.status, outcome.headers)
        age = f"Age: {outcome.age}\r\n" if outcome.age is not None else ""
        body = outcome.body
        length = outcome.head_length if outcome.head_length is not None else len(body)
        tail = f"{request_id}\r\n{age}Content-Length: {length}\r\n".encode("latin-1")
        close = _connection(request)
        if request.method == "HEAD":
            body = b""
        return b"".join((head, self._tail.get(outcome.result_type) or self._tail["Error"], tail, close,
                         b"\r\n", body))


def _connection(request: ViewerRequest) -> bytes:
    """The Connection header line, when one is needed."""
    if not request.keep_alive:
        return _CLOSE
    return b"" if request.version == "HTTP/1.1" else _KEEP
