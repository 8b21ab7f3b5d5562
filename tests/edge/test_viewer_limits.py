"""Request limits and malformed viewer input (section 2.12 limits, section 7 response codes):
413 over 8,192 B of URL or 20,480 B of URL + headers, 403 for a GET with a body, 400 for
what is not HTTP; never a traceback, and the edge keeps serving."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.edge.inproc import get, raw_exchange, run, running
from tests.edge.test_revalidation_stale import single


def _status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 8192 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 413),          # URL 8,193 B
    (b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20480 + b"\r\n\r\n", 413),
    (b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"b" * 70000, 413),          # never ends
    (b"GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody", 403),     # GET + body
    (b"GET /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n",
     403),
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (b"GET /ok HTTP/2.0\r\nHost: x\r\n\r\n", 400),
    (b"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),                            # bad %-escape
    (b"GET /ok HTTP/1.1\r\nBad Header: x\r\n\r\n", 400),
    (b"GET /ok HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
    (b"POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400),
    (b"POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
     400),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),             # TLS hello
])
def test_refused_requests_get_cloudfront_errors_and_the_edge_survives(
        tmp_path: Path, request_bytes: bytes, status: int) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/ok"] = (200, {"Cache-Control": "max-age=60"}, b"y")
            raw = await raw_exchange(edge.url, request_bytes)
            assert _status(raw) == status
            head, _, body = raw.partition(b"\r\n\r\n")
            assert b"Server: CloudFront" in head and b"Traceback" not in raw
            assert b"ERROR: The request could not be satisfied" in body
            assert (await get(s, edge.url + "/ok"))[0] == 200   # still serving
            assert edge.records()[0]["sc-status"] == str(status)
    run(main())


def test_slow_client_is_disconnected_and_others_are_served(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path, head_timeout=0.3) as edge, \
                aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/ok"] = (200, {}, b"y")
            host, port = edge.url.removeprefix("http://").rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"GET /ok HTTP/1.1\r\nHost: x\r\n")   # never finishes the head
            assert (await get(s, edge.url + "/ok"))[0] == 200
            # Closed by the sweep a little after the 0.3 s head timeout (bound: 3 s, for a
            # loaded machine).
            assert await asyncio.wait_for(reader.read(), 3.0) == b""
            writer.close()
    run(main())


def test_pipelined_requests_are_answered_in_order(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge:
            origin = edge.origins["primary"]
            origin.replies["/1"] = (200, {"Cache-Control": "max-age=60"}, b"one")
            origin.replies["/2"] = (200, {"Cache-Control": "max-age=60"}, b"two")
            pipeline = b"".join(f"GET /{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                                for n in (1, 2, 1))
            raw = await raw_exchange(edge.url, pipeline + b"GET /2 HTTP/1.1\r\nHost: x\r\n"
                                     b"Connection: close\r\n\r\n")
            bodies = [part[-3:] for part in raw.split(b"HTTP/1.1 200 OK")[1:]]
            assert bodies == [b"one", b"two", b"one", b"two"]
            assert raw.count(b"X-Cache: Hit") == 2
    run(main())


def single_all_methods() -> dict[str, Any]:
    """:func:`single`, its default behaviour allowing all seven methods (GET and HEAD cached)."""
    doc = single()
    doc["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 7, "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
    return doc


def test_post_body_reaches_the_origin_with_content_length_and_chunked(tmp_path: Path) -> None:
    doc = single_all_methods()

    async def main() -> None:
        async with running(doc, tmp_path) as edge:
            async def echo(request):  # type: ignore[no-untyped-def]
                return 200, {}, await request.read()
            edge.origins["primary"].replies["/p"] = echo
            plain = await raw_exchange(edge.url, b"POST /p HTTP/1.1\r\nHost: x\r\n"
                                       b"Content-Length: 5\r\nConnection: close\r\n\r\nhello")
            chunked = await raw_exchange(edge.url, b"POST /p HTTP/1.1\r\nHost: x\r\n"
                                         b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                         b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")
            assert plain.endswith(b"\r\n\r\nhello") and chunked.endswith(b"\r\n\r\nhello")
    run(main())


def test_expect_100_continue_and_http_1_0_keep_alive(tmp_path: Path) -> None:
    doc = single_all_methods()

    async def main() -> None:
        async with running(doc, tmp_path) as edge:
            edge.origins["primary"].replies["/p"] = (200, {}, b"done")
            host, port = edge.url.removeprefix("http://").rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                         b"Expect: 100-continue\r\n\r\n")
            assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == \
                b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"abc")
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert head.startswith(b"HTTP/1.1 200 OK")
            writer.close()
            raw = await raw_exchange(edge.url, b"GET /p HTTP/1.0\r\nHost: x\r\n"
                                     b"Connection: keep-alive\r\n\r\n", timeout=0.5)
            assert b"Connection: keep-alive\r\n" in raw
    run(main())


def test_many_pipelined_answers_that_never_wait_are_all_given(tmp_path: Path) -> None:
    """A ranged hit is answered in the callback that read it (no wait, no task): 3,000 of them
    pipelined on one connection are all answered, in order, and the connection still serves.
    Each answer that finished at once used to go back into the reading loop from inside it,
    3,000 frames deep, past Python's recursion limit."""
    async def main() -> None:
        async with running(single(), tmp_path) as edge:
            edge.origins["primary"].replies["/r"] = (200, {"Cache-Control": "max-age=60"}, b"0123456789")
            cached = await raw_exchange(edge.url, b"GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert b"X-Cache: Miss" in cached  # the key the ranged requests below have
            ranged = b"".join(f"GET /r HTTP/1.1\r\nHost: x\r\nRange: bytes={n % 10}-{n % 10}\r\n\r\n".encode()
                              for n in range(3000))
            raw = await raw_exchange(edge.url, ranged + b"GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                     timeout=30)
            answers = raw.split(b"HTTP/1.1 ")[1:]
            assert len(answers) == 3001
            assert all(a.startswith(b"206 ") for a in answers[:-1])
            assert [a[-1:] for a in answers[:-1]] == [str(n % 10).encode() for n in range(3000)]
            assert answers[-1].startswith(b"200 ") and answers[-1].endswith(b"0123456789")
            assert b"Traceback" not in raw and len(edge.origins["primary"].seen) == 1
    run(main())
