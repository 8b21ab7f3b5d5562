"""Chunked request bodies (RFC 9112 7.1), without IO: a viewer's body decoded once it is whole.

The viewer socket (:mod:`edge.wire.viewer_protocol`) calls :func:`parse_chunked` on what it
has buffered after a head that said ``Transfer-Encoding: chunked``
(:func:`edge.core.viewer_http.parse_head`).
"""

from __future__ import annotations

from edge.core.http11 import CHUNK_DIGITS, MAX_CHUNK_LINE, MAX_TRAILERS
from edge.core.viewer_http import MAX_BODY_BYTES, RequestError


def parse_chunked(buffer: bytes | bytearray) -> tuple[bytes, int] | None:
    """Decode a complete chunked body at the start of ``buffer``.

    Returns (body, bytes consumed), or None when more bytes are needed; raises
    :class:`RequestError` (400/413) for anything else. ``pos`` only moves forward, by at
    least the length of a chunk line each turn, so one call ends within one pass.
    """
    pos, out = 0, list[bytes]()
    size_total = 0
    while True:
        eol = buffer.find(b"\r\n", pos, pos + MAX_CHUNK_LINE + 2)
        if eol < 0:
            if len(buffer) - pos > MAX_CHUNK_LINE:
                raise RequestError("malformed chunk size", status=400, detailed="InvalidRequest")
            return None
        size_text = bytes(buffer[pos:eol]).split(b";")[0].strip(b" \t")
        if not CHUNK_DIGITS.fullmatch(size_text):
            raise RequestError("malformed chunk size", status=400, detailed="InvalidRequest")
        size = int(size_text, 16)
        size_total += size
        if size_total > MAX_BODY_BYTES:
            raise RequestError("request body too large", status=413, detailed="InvalidRequest")
        if size == 0:
            # Trailers end with an empty line; the search starts at this line's CRLF so
            # that "0\r\n\r\n" (no trailers) ends at once.
            end = buffer.find(b"\r\n\r\n", eol, eol + MAX_TRAILERS + 4)
            if end < 0:
                if len(buffer) - eol > MAX_TRAILERS:
                    raise RequestError("chunked trailers too large", status=400, detailed="InvalidRequest")
                return None
            return b"".join(out), end + 4
        start = eol + 2
        if len(buffer) < start + size + 2:
            return None
        if buffer[start + size:start + size + 2] != b"\r\n":
            raise RequestError("chunk data not followed by CRLF", status=400, detailed="InvalidRequest")
        out.append(bytes(buffer[start:start + size]))
        pos = start + size + 2
