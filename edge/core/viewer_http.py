"""HTTP/1.1 for viewers, without IO: parse a request head, frame a body, render a response.

Rules of the viewer side (CloudFront's where it documents them):

* the URL (request target) may be 8,192 bytes and the URL plus all headers 20,480;
  more is **413** and the connection is closed;
* a request line that is not ``METHOD /target HTTP/1.x``, a header line without a
  name and colon, folded headers, a control character in a header (a bare CR or LF,
  NUL, ... : only HTAB is allowed, RFC 9110 5.5), a bad ``Content-Length``, both
  ``Content-Length`` and ``Transfer-Encoding``, or a ``%`` not followed by two hex
  digits in the URL is **400** and the connection is closed;
* a chunked body (decoded by :mod:`edge.core.chunked`) is ``1*16HEXDIG [;ext] CRLF data
  CRLF`` ... ``0 CRLF trailers CRLF``:
  a size that is not plain hex (a sign, ``0x``, ``_``, more than 16 digits), data not
  followed by CRLF, or trailers over 8 KiB is **400**. Every input ends in a request,
  an error or "need more bytes" after at most one pass over the buffer;
* a GET or HEAD that carries a body is **403** (checked by the edge, see
  :func:`edge.core.limits.request_refusal`).

Only bytes move here; names keep their case for forwarding, lookups go through a
case-insensitive multidict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

from edge.core.http11 import BAD_FIELD
from edge.core.memo import Memo, Sightings
from edge.errors import EdgeError

MAX_URL_BYTES = 8192
MAX_REQUEST_HEAD_BYTES = 20480
# Past this many bytes without the end of the head we stop buffering and answer 413.
MAX_BUFFERED_HEAD = 65536
MAX_BODY_BYTES = 64 * 1024 * 1024

# Control characters, spaces, or a '%' not followed by two hex digits.
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]|%(?![0-9A-Fa-f]{2})")
_REASONS = {s.value: s.phrase for s in HTTPStatus}


class RequestError(EdgeError):
    """The request cannot be served: ``status`` (400/413) and the log's detailed type."""

    def __init__(self, message: str, status: int = 400, detailed: str = "InvalidRequest") -> None:
        super().__init__(message)
        self.status = status
        self.detailed = detailed


@dataclass(slots=True)
class ViewerRequest:
    """One parsed viewer request (the body arrives separately)."""

    method: str
    raw_path: str
    version: str
    raw_headers: tuple[tuple[str, str], ...]
    headers: CIMultiDictProxy[str]
    head_bytes: int
    keep_alive: bool
    content_length: int | None = None
    chunked: bool = False
    body: bytes = b""
    peer: tuple[str, int] = ("127.0.0.1", 0)
    tls: tuple[str, str] | None = None  # (protocol, cipher) of a TLS viewer's connection
    target: Any = None  # a Target a viewer-request function chose (edge/pop/edge_code.py)
    code_ms: float = 0.0  # time in edge code for this request (functions: CPU; Lambda@Edge: wall)
    # The header block's bytes (the head after its request line) when they came before and are
    # remembered (parse_head): everything taken from the headers is what these bytes say,
    # which the access log's hits rely on (log_hit).
    block_key: bytes | None = None

    def replace_head(self, raw_path: str, headers: tuple[tuple[str, str], ...]) -> None:
        """The request as edge code returned it: another path and query, other headers."""
        self.block_key = None  # no longer what its head's bytes say
        self.raw_path = raw_path
        self.raw_headers = headers
        self.headers = CIMultiDictProxy(CIMultiDict(headers))

    @property
    def host(self) -> str:
        return self.headers.get("Host", "")

    @property
    def path(self) -> str:
        return self.raw_path.partition("?")[0]

    @property
    def query(self) -> str:
        return self.raw_path.partition("?")[2]

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").partition(";")[0].strip()

    @property
    def body_exists(self) -> bool:
        return bool(self.body)

    async def read(self) -> bytes:
        """The body (already read), for code written against aiohttp's request."""
        return self.body


# A load generator's 10,000 objects (at most ~40 MB). The memo keeps only strings, numbers and
# tuples of them, which the collector stops tracking: the header multidict is made again for
# each request (0.17 us more than sharing one), since 16,384 kept multidicts were 50,000
# tracked objects that the collections under a load of random objects walked
# (edge/pop/loop_health.py).
_PARSED: Memo[bytes, tuple[object, ...]] = Memo(16384)
# Heads seen once, by hash: a head is kept only when it comes again (a mark lasts 65,536 marks).
_SIGHTINGS = Sightings(1 << 20)
_CACHED_HEAD_MAX = 2048  # bytes: big heads are rare and would make the cache heavy


def parse_head(head: bytes) -> ViewerRequest:
    """Parse the bytes before the blank line (request line and headers).

    Viewers repeat themselves (a load generator, a browser on keep-alive): a head seen
    twice is kept and not parsed again. Parsing is a pure function of the bytes, and the header
    collections are read-only, so the cached fields are safe to share.
    """
    fields = _PARSED.get(head)
    if fields is None:
        request = _parse_head(head)
        if len(head) > _CACHED_HEAD_MAX:
            return request
        if not _SIGHTINGS.again(hash(head)):
            return request
        # A head that came again brought its headers again: their bytes key its hits' log parts.
        _PARSED.put(head, (request.method, request.raw_path, request.version, request.raw_headers,
                           request.head_bytes, request.keep_alive, request.content_length,
                           request.chunked, request.block_key or head.partition(b"\r\n")[2]))
        return request
    # A multidict of its own for this request (no proxy needed: nothing else holds it), the
    # fields named, not star-unpacked: 0.38 us in all against 0.21 for the kept multidict.
    method, raw_path, version, raw_headers, head_bytes, keep_alive, content_length, chunked, block = fields
    return ViewerRequest(method, raw_path, version, raw_headers,  # type: ignore[arg-type]
                         CIMultiDict(raw_headers), head_bytes, keep_alive,  # type: ignore[arg-type]
                         content_length, chunked, block_key=block)  # type: ignore[arg-type]


# Header blocks (the head after its request line) seen twice, parsed: a viewer asks for many
# objects with the same headers (a browser, a load generator), so under 200,000 objects at
# random, where whole heads seldom come again, the headers need not be parsed again: parsing
# took 16 % of a hit's time there (py-spy, c32). A block that was refused is never kept, and
# blocks of every head different are never taken (Sightings).
_BLOCKS: Memo[bytes, tuple[tuple[tuple[str, str], ...], "str | None", "int | None", bool]] = Memo(4096)
_BLOCK_SIGHTINGS = Sightings(1 << 16)
# Looking a block up costs a head whose headers are all new 0.8 us (a request id or trace
# header in each: the "every head different" benchmark lost a tenth of its hits). After
# BLOCK_MISSES_MAX new blocks in a row only every BLOCK_RETRY-th head looks, until a block
# comes again.
BLOCK_MISSES_MAX, BLOCK_RETRY = 64, 16
_block_misses = 0


def _parse_head(head: bytes) -> ViewerRequest:
    global _block_misses
    if len(head) > MAX_REQUEST_HEAD_BYTES:
        raise RequestError("request headers too large", status=413, detailed="InvalidRequestHeader")
    # One decode, then str operations (the request line alone when the headers are known).
    eol = head.find(b"\r\n")
    block: bytes | None = None
    known = None
    if _block_misses < BLOCK_MISSES_MAX or _block_misses % BLOCK_RETRY == 0:
        block = head[eol + 2:] if eol >= 0 else b""
        known = _BLOCKS.get(block)
    if known is not None:
        _block_misses = 0
        method, target, version = _request_line((head[:eol] if eol >= 0 else head).decode("latin-1"))
        raw_headers, connection, content_length, chunked = known
        headers = CIMultiDictProxy(CIMultiDict(raw_headers))
    else:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = _request_line(lines[0])
        raw_headers = _header_lines(lines)
        headers = CIMultiDictProxy(CIMultiDict(raw_headers))
        connection = headers.get("Connection")
        content_length, chunked = None, False
        if "Content-Length" in headers or "Transfer-Encoding" in headers:
            content_length, chunked = _framing(headers)  # a refused block is never kept
        if block is not None and len(block) <= _CACHED_HEAD_MAX and _BLOCK_SIGHTINGS.again(hash(block)):
            _BLOCKS.put(block, (raw_headers, connection, content_length, chunked))
            _block_misses = 0
        else:
            block = None
            _block_misses += 1
    if version == "HTTP/1.1":
        keep_alive = connection is None or "close" not in connection.lower()
    else:
        keep_alive = connection is not None and "keep-alive" in connection.lower()
    return ViewerRequest(method, target, version, raw_headers, headers, len(head), keep_alive,
                         content_length, chunked, block_key=block)


def _request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3 or not (parts[0].isalpha() and parts[0].isupper()
                               and len(parts[0]) <= 20 and parts[0].isascii()):
        raise RequestError("malformed request line", status=400, detailed="InvalidRequest")
    method, target, version = parts
    if version != "HTTP/1.1" and version != "HTTP/1.0":
        raise RequestError("unsupported HTTP version", status=400, detailed="InvalidRequest")
    if len(target) > MAX_URL_BYTES:
        raise RequestError("URL too long", status=413, detailed="InvalidRequest")
    if target[:1] != "/":
        if target.startswith(("http://", "https://")):  # absolute-form: keep the path
            slash = target.find("/", target.find("//") + 2)
            target = target[slash:] if slash >= 0 else "/"
        else:
            raise RequestError("malformed request target", status=400, detailed="InvalidRequest")
    if _BAD_TARGET.search(target):
        raise RequestError("malformed or badly percent-encoded URL", status=400, detailed="InvalidRequest")
    return method, target, version


def _header_lines(lines: list[str]) -> tuple[tuple[str, str], ...]:
    """The (name, value) pairs of the header lines (``lines`` after the first, the request line)."""
    raw_headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        # A name is a token: no whitespace (that also refuses obs-fold continuation lines).
        if not colon or not name or " " in name or "\t" in name:
            raise RequestError("malformed header line", status=400, detailed="InvalidRequestHeader")
        if BAD_FIELD.search(line):
            raise RequestError("control character in a header", status=400, detailed="InvalidRequestHeader")
        raw_headers.append((name, value.strip()))
    return tuple(raw_headers)


def _framing(headers: CIMultiDictProxy[str]) -> tuple[int | None, bool]:
    """(Content-Length, chunked) of a request's body; RequestError for what is refused."""
    lengths = headers.getall("Content-Length", [])
    encoding = headers.get("Transfer-Encoding")
    if encoding is not None:
        if lengths or encoding.strip().lower() != "chunked":
            raise RequestError("unsupported Transfer-Encoding", status=400, detailed="InvalidRequestHeader")
        return None, True
    if not lengths:
        return None, False
    if len(set(lengths)) != 1 or not lengths[0].isdigit():
        raise RequestError("invalid Content-Length", status=400, detailed="InvalidRequestHeader")
    length = int(lengths[0])
    if length > MAX_BODY_BYTES:
        raise RequestError("request body too large", status=413, detailed="InvalidRequest")
    return length, False


def reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


def head_block(status: int, headers: tuple[tuple[str, str], ...] | list[tuple[str, str]]
               ) -> bytes:
    """Status line and header lines (no terminating blank line)."""
    text = f"HTTP/1.1 {status} {reason(status)}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers)
    return text.encode("latin-1", "replace")
