"""What the edge answers one request with, before it is rendered and logged."""

from __future__ import annotations

from dataclasses import dataclass

from edge.core.cache import CacheEntry
from edge.core.fetcher import FetchResult
from edge.core.responses import error_page

GENERATED_HEADERS = (("Server", "CloudFront"), ("Content-Type", "text/html"))


def header_size(headers: tuple[tuple[str, str], ...]) -> int:
    """Bytes these header lines take on the wire: name, colon, space, value, CRLF."""
    return sum(len(k) + len(v) + 4 for k, v in headers)


@dataclass(slots=True)
class Outcome:
    """The answer (status, headers, body), how it came about (result types, the
    origin attempts) and, when it came from the cache, the pre-rendered head."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    result_type: str
    detailed: str
    origin_id: str = ""
    age: int | None = None
    fetch: FetchResult | None = None
    head: bytes = b""
    response_result_type: str = ""
    header_bytes: int = -1
    content_type: str | None = None
    range: tuple[int, int] | None = None  # the log's sc-range-start / sc-range-end
    head_length: int | None = None  # Content-Length of a HEAD answer (no body to count)
    fle_status: str | None = None  # the log's fle-status / fle-encrypted-fields
    fle_encrypted_fields: int | None = None

    def __post_init__(self) -> None:
        if not self.response_result_type:
            self.response_result_type = self.result_type
        if self.header_bytes < 0:
            self.header_bytes = header_size(self.headers)
        if self.content_type is None:
            self.content_type = next(
                (v for k, v in self.headers if k.lower() == "content-type"), None)


def from_entry(entry: CacheEntry, now: float, result: str | None = None,
               fetch: FetchResult | None = None) -> Outcome:
    """Answer from a cached object: ``Hit`` (``Error`` for a cached error) unless told."""
    word = result or ("Error" if entry.is_error else "Hit")
    return Outcome(entry.status, entry.headers, entry.body, word, word, entry.origin_id,
                   age=entry.age(now), fetch=fetch, head=entry.head,
                   header_bytes=entry.header_bytes, content_type=entry.content_type)


def generated(status: int, detailed: str, request_id: str, reason: str | None = None
              ) -> Outcome:
    """An error page the edge writes itself (``Server: CloudFront``)."""
    return Outcome(status, GENERATED_HEADERS, error_page(status, request_id, reason),
                   "Error", detailed, content_type="text/html")
