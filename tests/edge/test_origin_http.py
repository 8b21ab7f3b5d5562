"""The origin side's HTTP/1.1 codec, without IO: framing, errors, and bytes in any split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.core.origin_http import MAX_RESPONSE_HEAD, ResponseError, ResponseParser
from edge.core.origin_request import request_head

BODY = bytes(range(256)) * 4


def parse(wire: bytes, method: str = "GET", splits: list[int] | None = None,
          close: bool = False) -> ResponseParser:
    """Feed ``wire`` cut at ``splits``; ``close``: the origin closes after it."""
    parser = ResponseParser(method)
    cuts = [0, *sorted(splits or []), len(wire)]
    done = False
    for a, b in zip(cuts, cuts[1:]):
        if a < b:
            done = parser.feed(wire[a:b])
    if close:
        done = parser.eof()
    assert done, "the answer should be complete"
    return parser


def chunked(body: bytes, sizes: list[int], trailer: bytes = b"") -> bytes:
    out, pos = b"", 0
    for size in sizes:
        out += b"%x;name=value\r\n%s\r\n" % (size, body[pos:pos + size])
        pos += size
    return out + b"0\r\n" + trailer + b"\r\n"


FRAMINGS = {
    "content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 1024\r\nETag: \"x\"\r\n\r\n" + BODY,
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(BODY, [1, 500, 523]),
    "chunked with trailers": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                              + chunked(BODY, [1024], b"X-Sum: 1\r\nX-Other: 2\r\n")),
    "interim answers first": (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                              b"HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n" + BODY),
}


@pytest.mark.parametrize("name", FRAMINGS)
@given(cuts=st.lists(st.integers(min_value=1, max_value=1200), max_size=8))
def test_every_framing_gives_the_same_answer_however_the_bytes_are_split(
        name: str, cuts: list[int]) -> None:
    wire = FRAMINGS[name]
    parser = parse(wire, splits=[c for c in cuts if c < len(wire)])
    assert parser.status == 200 and parser.body == BODY
    assert parser.reusable


def test_a_byte_at_a_time() -> None:
    wire = FRAMINGS["chunked with trailers"]
    assert parse(wire, splits=list(range(1, len(wire)))).body == BODY


def test_headers_keep_their_names_order_and_repeats() -> None:
    parser = parse(b"HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nX-Long:   spaced value \t\r\n"
                   b"set-cookie: b=2\r\nContent-Length: 0\r\n\r\n")
    assert parser.status == 201 and parser.body == b""
    assert parser.headers == (("Set-Cookie", "a=1"), ("X-Long", "spaced value"),
                              ("set-cookie", "b=2"), ("Content-Length", "0"))


_NAME = st.text("!#$%&'*+.^_`|~-abcXYZ019", min_size=1, max_size=12)
_VALUE = st.text(st.sampled_from(" \t:abc,;=\"/\x80\xe9\xff0"), max_size=16)


@given(fields=st.lists(st.tuples(_NAME, _VALUE), max_size=6), folded=st.booleans())
def test_plain_header_lines_split_as_the_general_reader_splits_them(
        fields: list[tuple[str, str]], folded: bool) -> None:
    # A head of plain "name:value" lines is split by str methods after one regex check; a
    # folded line sends the whole head through the line-by-line reader instead. Both give
    # the names as written and the values without surrounding spaces and tabs.
    lines = "".join(f"{name}:{value}\r\n" for name, value in fields)
    fold = "X-Fold: a\r\n b\r\n" if folded else ""
    parser = parse(f"HTTP/1.1 200 OK\r\n{lines}{fold}Content-Length: 0\r\n\r\n".encode("latin-1"))
    want = [(name, value.strip(" \t")) for name, value in fields]
    want += [("X-Fold", "a b")] if folded else []
    assert parser.headers == (*want, ("Content-Length", "0"))


def test_a_head_with_no_header_lines() -> None:
    parser = parse(b"HTTP/1.0 200 OK\r\n\r\nbody", close=True)
    assert parser.status == 200 and parser.headers == () and parser.body == b"body"


def test_a_folded_line_joins_the_header_before_it() -> None:
    parser = parse(b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\nContent-Length: 0\r\n\r\n")
    assert parser.headers[0] == ("X-Folded", "one two")


@pytest.mark.parametrize(("method", "wire", "content_length"), [
    ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 5000),
    ("GET", b"HTTP/1.1 204 No Content\r\nContent-Length: 5000\r\n\r\n", 5000),
    ("GET", b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", None),
])
def test_answers_without_a_body_end_at_their_head(method: str, wire: bytes,
                                                  content_length: int | None) -> None:
    parser = parse(wire, method)
    assert parser.body == b"" and parser.content_length == content_length and parser.reusable


def test_no_framing_reads_until_close_and_is_not_reused() -> None:
    parser = ResponseParser("GET")
    assert not parser.feed(b"HTTP/1.1 200 OK\r\n\r\nabc")
    assert not parser.feed(b"def")
    assert parser.eof() and parser.body == b"abcdef" and not parser.reusable


def test_a_close_before_the_framing_ends_is_not_an_answer() -> None:
    parser = ResponseParser("GET")
    assert not parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert not parser.eof()
    fresh = ResponseParser("GET")
    assert not fresh.received and not fresh.eof()


@pytest.mark.parametrize(("wire", "reusable"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", True),
    (b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx", False),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", False),
    (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", True),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA", False),  # bytes nobody asked for
    (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"1\r\nx\r\n0\r\n\r\n", False),  # both: chunked wins, and the connection is not trusted
])
def test_when_a_connection_may_carry_another_request(wire: bytes, reusable: bool) -> None:
    parser = parse(wire)
    assert parser.body == b"x" and parser.reusable is reusable


@pytest.mark.parametrize("wire", [
    b"HTTP/1.1 two hundred\r\n\r\n",
    b"HTTP/2 200\r\n\r\n",
    b"ICY 200 OK\r\n\r\n",
    b"HTTP/1.1 099 Low\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\nY: b\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n folded first\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 2000,
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + b"X: y\r\n" * 2000,
    b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * (MAX_RESPONSE_HEAD // 6 + 1),
])
def test_what_is_not_an_http_answer(wire: bytes) -> None:
    parser = ResponseParser("GET")
    with pytest.raises(ResponseError):
        for i in range(0, len(wire), 700):
            parser.feed(wire[i:i + 700])


def test_the_same_content_length_twice_is_one() -> None:
    parser = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\nContent-Length: 1\r\n\r\nx")
    assert parser.content_length == 1 and parser.body == b"x"


def test_the_request_head() -> None:
    head = request_head("POST", "/a?b=c", {"host": "o.example.com", "content-length": "99",
                                           "transfer-encoding": "chunked", "x-a": "1"}, b"body")
    assert head == (b"POST /a?b=c HTTP/1.1\r\nhost: o.example.com\r\nx-a: 1\r\n"
                    b"content-length: 4\r\n\r\n")
    assert request_head("GET", "/", {"host": "h"}, None) == b"GET / HTTP/1.1\r\nhost: h\r\n\r\n"
    assert request_head("POST", "/", {"host": "h"}, b"").endswith(b"content-length: 0\r\n\r\n")
    assert b"\tx" in request_head("GET", "/", {"x": "a\tx"}, None)  # HTAB is allowed
    assert b"x: \xe9\r\n" in request_head("GET", "/", {"x": "\xe9"}, None)  # a viewer's byte
    assert b"x: \xe2\x82\xac\r\n" in request_head("GET", "/", {"x": "\u20ac"}, None)


@pytest.mark.parametrize(("target", "headers"), [
    ("/a b", {"host": "h"}),
    ("/a\r\nx: y", {"host": "h"}),
    ("/", {"host": "h\r\nx-injected: 1"}),
    ("/", {"host": "h\nx: 1"}),
    ("/", {"host": "h\x00"}),
    ("/", {"bad name": "v"}),
])
def test_a_head_that_would_break_is_refused(target: str, headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        request_head("GET", target, headers, None)


def _answer(parser: ResponseParser) -> tuple[object, ...]:
    return parser.status, parser.headers, parser.content_length, parser.body, parser.reusable


@pytest.mark.parametrize("wire", [
    *FRAMINGS.values(),
    b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"e\"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1\r\n\r\nx",
], ids=lambda wire: wire.split(b"\r\n\r\n")[0][:40].decode())
def test_a_head_seen_twice_is_remembered_and_read_the_same(wire: bytes) -> None:
    # A line added to the final head makes it new to this test (earlier ones parsed the wire).
    end = wire.index(b"\r\n\r\n", wire.rindex(b"HTTP/1."))
    marked = wire[:end] + b"\r\nX-Test-Head: remembered" + wire[end:]
    first, second, third = (parse(marked, splits=[len(marked) // 2]) for _ in range(3))
    assert (first.remembered, second.remembered, third.remembered) == (False, True, True)
    assert _answer(first) == _answer(second) == _answer(third)
    final = marked.rindex(b"HTTP/1.")
    assert third.head == marked[final:marked.index(b"\r\n\r\n", final) + 4]


def test_a_head_remembered_from_gets_still_frames_a_head_answer_as_bodiless() -> None:
    # The same head answers a HEAD request with no body after it (its Content-Length says what
    # a GET would get): a head kept from GET answers, framed FIXED, would wait for 5 bytes.
    wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test-Head: head-after-get\r\n\r\n"
    for _ in range(3):
        assert parse(wire + b"hello").body == b"hello"
    head = ResponseParser("HEAD")
    assert head.feed(wire) and head.body == b"" and head.content_length == 5 and head.reusable
    assert not head.remembered


def test_an_origin_whose_every_head_is_new_fills_no_memo() -> None:
    from edge.core import origin_http
    before = len(origin_http._HEADS)
    remembered = sum(parse(b"HTTP/1.1 200 OK\r\nX-Request-Id: new-%d\r\nContent-Length: 0\r\n\r\n" % i).remembered
                     for i in range(2000))
    # A head is taken for one seen before only when another head's mark shares its slot and
    # its 8 bits of hash: about 1 in 4,000 against a table of 4,096 marks or fewer.
    assert remembered <= 5 and len(origin_http._HEADS) - before <= 5
