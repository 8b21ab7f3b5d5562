"""No viewer input can freeze the edge or leave a viewer without an answer.

The codec is checked with properties over arbitrary bytes split at arbitrary points (every
call ends: a request, an error, or "need more bytes"), and each input that once froze or
wedged the edge is sent over a real socket to a real edge process, after which an ordinary
GET must still be answered promptly.
"""

from __future__ import annotations

import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.core.chunked import parse_chunked
from edge.core.viewer_http import RequestError, parse_head
from tests.edge.conftest import RunningEdge

# -- the codec, without sockets -------------------------------------------------------------


def _chunked(chunks: list[bytes], trailers: bytes = b"") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c) + b"0\r\n" + trailers + b"\r\n"


@given(st.lists(st.binary(max_size=300), max_size=8), st.sampled_from([b"", b"X-T: 1\r\n"]))
def test_valid_chunked_bodies_decode_to_what_was_sent(chunks: list[bytes], trailers: bytes) -> None:
    wire = _chunked(chunks, trailers)
    assert parse_chunked(wire + b"GET /next") == (b"".join(chunks), len(wire))
    # Every strict prefix needs more bytes; none is mistaken for a body or an error.
    for cut in range(len(wire)):
        assert parse_chunked(wire[:cut]) is None


@settings(max_examples=400)
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=2000))
def test_any_bytes_end_in_a_body_an_error_or_more_needed(data: bytes, cut: int) -> None:
    for buffer in (data, data[:cut]):
        try:
            result = parse_chunked(buffer)
        except RequestError as exc:
            assert exc.status in (400, 413)
        else:
            assert result is None or (isinstance(result[0], bytes) and 0 < result[1] <= len(buffer))


@settings(max_examples=400)
@given(st.binary(max_size=600))
def test_any_head_parses_or_is_refused(data: bytes) -> None:
    try:
        request = parse_head(b"GET / HTTP/1.1\r\n" + data)
    except RequestError as exc:
        assert exc.status in (400, 413)
    else:
        assert all("\r" not in v and "\n" not in v for _, v in request.raw_headers)


@pytest.mark.parametrize("body", [
    b"-6\r\n",                      # a negative size once looped forever at 99 % CPU
    b"+6\r\nabcdef\r\n0\r\n\r\n",   # int(..., 16) takes a sign, HTTP does not
    b"0x6\r\nabcdef\r\n0\r\n\r\n",  # nor a 0x prefix
    b"6_0\r\n",                     # nor an underscore
    b"12345678901234567\r\n",       # 17 hex digits
    b"3\r\nabcXY0\r\n\r\n",         # data not followed by CRLF
    b"0\r\n" + b"X: y\r\n" * 2000,  # trailers that never end
])
def test_malformed_chunked_bodies_are_400(body: bytes) -> None:
    with pytest.raises(RequestError) as refused:
        parse_chunked(body)
    assert refused.value.status == 400


@pytest.mark.parametrize("line", [b"X-A: a\rb", b"X-A: a\nb", b"X-A: a\x00b", b"X-A: \x1b[31m"])
def test_control_characters_in_a_header_are_400(line: bytes) -> None:
    with pytest.raises(RequestError, match="control character in a header") as refused:
        parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n" + line + b"\r\n")
    assert refused.value.status == 400


def test_a_tab_in_a_header_value_is_allowed() -> None:
    request = parse_head(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb")  # the head, CRLFCRLF stripped
    assert request.headers["X-A"] == "a\tb"


# -- the same inputs against a running edge process ----------------------------------------------

FREEZERS = {
    "negative chunk size": b"POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-6\r\n",
    "bare CR in a forwarded header": b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
    "bare LF in a forwarded header": b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-A: a\nb: c\r\n\r\n",
    "chunk data without CRLF": b"POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"3\r\nabcXY",
}


def _exchange(edge: RunningEdge, data: bytes, timeout: float) -> tuple[bytes, float]:
    host, port = edge.child.ready["listen"].rsplit(":", 1)
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        sock.settimeout(timeout)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received, time.monotonic() - started


@pytest.mark.parametrize("name", sorted(FREEZERS))
def test_inputs_that_once_froze_the_edge_get_400_and_it_keeps_serving(
        shared_edge: RunningEdge, name: str) -> None:
    # 5 s: the edge answers these in milliseconds; before the fix they got no answer at all
    # (20 s for the header case, forever for the negative size).
    answer, took = _exchange(shared_edge, FREEZERS[name], timeout=5.0)
    assert answer.startswith(b"HTTP/1.1 400 "), (name, answer[:200])
    assert took < 5.0 and b"Traceback" not in answer
    started = time.monotonic()
    follow_up = shared_edge.get(f"/static/hardening-{len(name)}", timeout=5)
    assert follow_up.status_code == 200
    assert time.monotonic() - started < 2.0  # a normal GET is still answered promptly
