"""HTTP/1.1 from origins, without IO: parse an answer as it comes.

The edge's origin client (:mod:`edge.wire.origin_client`) writes its request with
:func:`edge.core.origin_request.request_head` and feeds every byte it reads to a
:class:`ResponseParser`. Rules of the origin side:

* an answer is ``HTTP/1.x SP 3DIGIT [SP reason]`` and header lines ``name: value`` ending in
  CRLF; a head over :data:`MAX_RESPONSE_HEAD` bytes, a status line or header name that is not
  that, a control character in the head or a ``Content-Length`` that is not digits (or two
  that differ) is :class:`ResponseError` (the edge's ``invalid-response``);
* interim answers (``100 Continue``, ``103 Early Hints``) are skipped; ``101`` was never asked
  for and is an error;
* the body is framed as RFC 9112 6.3 says: none for a HEAD request, a 1xx, 204 or 304;
  chunked when ``Transfer-Encoding`` ends in ``chunked``; else ``Content-Length`` bytes;
  else everything until the origin closes the connection;
* a folded header line (obs-fold) is joined to the one before with a space, as a user agent
  must (RFC 9112 5.2);
* the connection may carry another request when the answer was HTTP/1.1 without
  ``Connection: close`` (HTTP/1.0 with ``keep-alive``), ended by its framing, and nothing
  followed it.

Every :meth:`ResponseParser.feed` looks at each new byte a bounded number of times, so a body
that trickles in a byte at a time costs no more than one that comes whole.
"""

from __future__ import annotations

import re

from edge.core.http11 import CHUNK_DIGITS, MAX_CHUNK_LINE, MAX_TRAILERS, TCHAR, TOKEN
from edge.core.memo import Memo, Sightings
from edge.errors import EdgeError

MAX_RESPONSE_HEAD = 65536

_VCHAR = "\t\x20-\x7e\x80-\xff"  # what a field value or reason phrase may hold (obs-text too)
_STATUS_LINE = re.compile(rf"HTTP/1\.([01]) ([0-9]{{3}})(?:[ \t][{_VCHAR}]*)?\r\n")
# The common head, checked by one scan in C: plain "name: value" lines (then split with str
# methods: a regex with a lazy value took 2.8 us a 7-line head, the split 1.5).
_FIELDS = re.compile(rf"(?:[{TCHAR}]+:[{_VCHAR}]*\r\n)*")
# A control character other than HTAB, or a CR or LF that is not part of a CRLF.
_BAD_HEAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n")
_NO_BODY_STATUS = frozenset({204, 304})
# len("connection"), len("content-length"), len("transfer-encoding"): other names are skipped unread.
_FRAMING_NAME_LENGTHS = frozenset({10, 14, 17})

HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILERS, UNTIL_CLOSE, DONE = range(8)

# Answer heads seen twice, by their bytes: what the head says (status, headers, framing), so
# an origin that answers alike (the same object again, an API under load: the head changes
# with its Date once a second) is not parsed again. Parsing the miss benchmark's 5-header
# head took 13 us of a miss on the live edge (4 us in a loop), remembering it 4 (#17).
# A head is taken on its second sighting, so origins whose every head is new (a request id
# in each) never fill the memo; HEAD answers, framed by the request, are never kept.
_HEADS: Memo[bytes, tuple[int, tuple[tuple[str, str], ...], int | None, bool, int]] = Memo(4096)
_HEAD_SIGHTINGS = Sightings(1 << 16)
_REMEMBERED_HEAD_MAX = 2048  # bytes: big heads are rare and would make the memo heavy


class ResponseError(EdgeError):
    """The origin's bytes are not an HTTP/1.x answer."""


class ResponseParser:
    """One origin answer, fed as it arrives.

    After :meth:`feed` or :meth:`eof` returns True: ``status``, ``headers`` (names as the
    origin wrote them, in order), ``body``, ``content_length`` (as the origin said, what a
    HEAD answer reports) and ``reusable``; ``head`` is the answer head's bytes, and
    ``remembered`` says whether they came before (what is made of them may be kept too).
    """

    __slots__ = ("body", "content_length", "head", "headers", "received", "remembered", "reusable",
                 "status", "_buffer", "_head_only", "_left", "_parts", "_state", "_trailer_bytes")

    def __init__(self, method: str) -> None:
        self._head_only = method == "HEAD"
        self._state = HEAD
        self._buffer = b""
        self._parts: list[bytes] = []
        self._left = 0
        self._trailer_bytes = 0
        self.received = False  # any byte at all (a pooled connection closed before is stale)
        self.status = 0
        self.headers: tuple[tuple[str, str], ...] = ()
        self.content_length: int | None = None
        self.body = b""
        self.reusable = False
        self.head = b""
        self.remembered = False

    def feed(self, data: bytes) -> bool:
        """Take the next bytes; True once the answer is complete. Raises :class:`ResponseError`."""
        self.received = True
        state = self._state
        if state == FIXED:  # the common case after the head: no copy of the buffer
            self._parts.append(data)
            self._left -= len(data)
            if self._left > 0:
                return False
            return self._finish_fixed()
        if state == UNTIL_CLOSE:
            self._parts.append(data)
            return False
        if state == DONE:
            self.reusable = False  # bytes after the answer: the connection is not trusted again
            return True
        self._buffer = self._buffer + data if self._buffer else data
        if state == HEAD and not self._parse_head():
            return False
        if self._state == FIXED:
            rest, self._buffer = self._buffer, b""
            if rest:
                self._parts.append(rest)
                self._left -= len(rest)
            return self._left <= 0 and self._finish_fixed()
        if self._state == UNTIL_CLOSE:
            if self._buffer:
                self._parts.append(self._buffer)
                self._buffer = b""
            return False
        if self._state in (CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILERS):
            self._chunks()
        if self._state == DONE and self._buffer:
            self.reusable = False
        return self._state == DONE

    def eof(self) -> bool:
        """The origin closed the connection; True when that ends the answer (no framing)."""
        if self._state == UNTIL_CLOSE:
            self.body = b"".join(self._parts)
            self._state = DONE
            self.reusable = False
        return self._state == DONE

    def _finish_fixed(self) -> bool:
        body = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
        if self._left < 0:  # more than Content-Length: keep what was promised, trust no more
            body = body[:self.content_length]
            self.reusable = False
        self.body = body
        self._state = DONE
        return True

    def _parse_head(self) -> bool:
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_RESPONSE_HEAD:
                    raise ResponseError(f"the response head is over {MAX_RESPONSE_HEAD} bytes")
                return False
            if end > MAX_RESPONSE_HEAD:
                raise ResponseError(f"the response head is over {MAX_RESPONSE_HEAD} bytes")
            head = self._buffer[:end + 4]
            self._buffer = self._buffer[end + 4:]
            known = None if self._head_only else _HEADS.get(head)
            if known is not None:
                self.status, self.headers, self.content_length, self.reusable, self._state = known
                if self._state == FIXED:
                    self._left = self.content_length  # type: ignore[assignment]  # FIXED: a length
                self.head, self.remembered = head, True
                return True
            text = head[:-2].decode("latin-1")  # each line with its CRLF
            match = _STATUS_LINE.match(text)
            if match is None:
                line = text.split("\r\n", 1)[0]
                raise ResponseError(f"not an HTTP/1.x status line: {line[:80]!r}")
            status = int(match[2])
            if 100 <= status < 200:
                if status == 101:
                    raise ResponseError("101 Switching Protocols was not asked for")
                continue  # an interim answer: the real one follows
            if status < 100:
                raise ResponseError(f"status {status} is out of range")
            self.status = status
            start = match.end()
            if _FIELDS.fullmatch(text, start):  # every line "name:value": cut at the first colon
                self.headers = tuple([(name, value.strip(" \t")) for name, _, value in
                                      (line.partition(":") for line in text[start:-2].split("\r\n"))
                                      ]) if start < len(text) else ()
            else:
                self.headers = self._header_lines(text[start:-2])
            self._frame(match[1] == "1", self.headers)
            self.head = head
            if not self._head_only and len(head) <= _REMEMBERED_HEAD_MAX and _HEAD_SIGHTINGS.again(hash(head)):
                _HEADS.put(head, (self.status, self.headers, self.content_length, self.reusable, self._state))
                self.remembered = True
            return True

    @staticmethod
    def _header_lines(text: str) -> tuple[tuple[str, str], ...]:
        """The head's fields when they are not all plain lines: folded, or in error."""
        if _BAD_HEAD.search(text):
            raise ResponseError("a control character in the response head")
        headers: list[tuple[str, str]] = []
        for line in text.split("\r\n"):
            if line[:1] in (" ", "\t"):
                if not headers:
                    raise ResponseError("a folded line before any header")
                name, value = headers[-1]
                folded = line.strip(" \t")
                headers[-1] = (name, f"{value} {folded}" if value else folded)
                continue
            name, colon, value = line.partition(":")
            if not colon or not TOKEN.fullmatch(name):
                raise ResponseError(f"not a header line: {line[:80]!r}")
            headers.append((name, value.strip(" \t")))
        return tuple(headers)

    def _frame(self, http11: bool, headers: tuple[tuple[str, str], ...]) -> None:
        length = encoding = connection = ""
        for name, value in headers:
            if len(name) not in _FRAMING_NAME_LENGTHS:
                continue
            low = name.lower()
            if low == "content-length":
                length += "," + value
            elif low == "transfer-encoding":
                encoding = value
            elif low == "connection":
                connection += "," + value.lower()
        if length:
            lengths = {v.strip(" \t") for v in length[1:].split(",")}
            if len(lengths) > 1 or not all(v.isdigit() and v.isascii() for v in lengths):
                raise ResponseError(f"Content-Length {', '.join(sorted(lengths))!r} is not one number")
            self.content_length = int(lengths.pop())
        if http11:
            self.reusable = not connection or "close" not in {t.strip(" \t") for t in connection.split(",")}
        else:
            self.reusable = "keep-alive" in {t.strip(" \t") for t in connection.split(",")}
        if self._head_only or self.status in _NO_BODY_STATUS:
            self._state = DONE
        elif encoding:
            self.reusable = self.reusable and self.content_length is None
            if encoding.rsplit(",", 1)[-1].strip(" \t").lower() == "chunked":
                self._state = CHUNK_SIZE
            else:
                self._state = UNTIL_CLOSE
                self.reusable = False
        elif self.content_length is not None:
            self._left = self.content_length
            self._state = FIXED if self._left else DONE
        else:
            self._state = UNTIL_CLOSE
            self.reusable = False

    def _chunks(self) -> None:
        buffer, pos, parts = self._buffer, 0, self._parts
        state, left = self._state, self._left
        while state != DONE:
            if state == CHUNK_SIZE:
                eol = buffer.find(b"\r\n", pos, pos + MAX_CHUNK_LINE + 2)
                if eol < 0:
                    if len(buffer) - pos > MAX_CHUNK_LINE:
                        raise ResponseError("a chunk size line is too long")
                    break
                size = buffer[pos:eol].split(b";", 1)[0].strip(b" \t")
                if not CHUNK_DIGITS.fullmatch(size):
                    raise ResponseError(f"not a chunk size: {size[:20]!r}")
                left, pos = int(size, 16), eol + 2
                state = CHUNK_DATA if left else TRAILERS
            elif state == CHUNK_DATA:
                take = min(left, len(buffer) - pos)
                if take <= 0:
                    break
                parts.append(buffer[pos:pos + take])
                pos += take
                left -= take
                if left == 0:
                    state = CHUNK_CRLF
            elif state == CHUNK_CRLF:
                if len(buffer) - pos < 2:
                    break
                if buffer[pos:pos + 2] != b"\r\n":
                    raise ResponseError("chunk data not followed by CRLF")
                pos += 2
                state = CHUNK_SIZE
            else:  # TRAILERS: lines until an empty one; their content is not kept
                eol = buffer.find(b"\r\n", pos)
                if eol < 0:
                    if self._trailer_bytes + len(buffer) - pos > MAX_TRAILERS:
                        raise ResponseError(f"chunked trailers over {MAX_TRAILERS} bytes")
                    break
                self._trailer_bytes += eol + 2 - pos
                if self._trailer_bytes > MAX_TRAILERS:
                    raise ResponseError(f"chunked trailers over {MAX_TRAILERS} bytes")
                if eol == pos:
                    self.body = b"".join(parts)
                    state = DONE
                pos = eol + 2
        self._buffer, self._state, self._left = buffer[pos:], state, left
