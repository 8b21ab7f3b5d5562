"""Property and fuzz tests over the viewer request path: whatever bytes arrive, the parser
answers a request or a RequestError (400/413), and a live edge answers CloudFront errors,
never a traceback, and keeps serving."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.core.chunked import parse_chunked
from edge.core.viewer_http import RequestError, parse_head
from tests.edge.inproc import get, raw_exchange, running
from tests.edge.test_revalidation_stale import single

T = TypeVar("T")

TOKENS = [b"GET", b"POST", b"HEAD", b" ", b"/", b"%", b"%2", b"%zz", b"?a=b", b"HTTP/1.1",
          b"HTTP/1.0", b"\r\n", b":", b"Host", b"Content-Length", b"Transfer-Encoding",
          b"chunked", b"0", b"-1", b"\t", b"\x00", b"\xff", b"x" * 50]
heads = st.lists(st.sampled_from(TOKENS), max_size=30).map(b"".join) | st.binary(max_size=200)


def parsed_or_refused(parse: Callable[[bytes], T], data: bytes) -> tuple[bool, T | None]:
    """(False, ``parse(data)``), or (True, None) when it raised a RequestError (400 or 413 only)."""
    try:
        return False, parse(data)
    except RequestError as exc:
        assert exc.status in (400, 413)
        return True, None


@settings(max_examples=400, deadline=None)
@given(heads)
def test_parse_head_answers_a_request_or_a_request_error(head: bytes) -> None:
    refused, request = parsed_or_refused(parse_head, head)
    if not refused:
        assert request.raw_path.startswith("/") and request.method.isupper()
        assert request.version in ("HTTP/1.1", "HTTP/1.0")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_parse_chunked_never_fails_otherwise(data: bytes) -> None:
    refused, result = parsed_or_refused(parse_chunked, data)
    if not refused:
        assert result is None or result[1] <= len(data)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(heads, min_size=1, max_size=3))
def test_live_edge_survives_any_bytes(tmp_path_factory: pytest.TempPathFactory,
                                      payloads: list[bytes]) -> None:
    async def main() -> None:
        async with running(single(), Path(tmp_path_factory.mktemp("fuzz"))) as edge, \
                aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/ok"] = (200, {"Cache-Control": "max-age=60"}, b"y")
            for payload in payloads:
                raw = await raw_exchange(edge.url, payload + b"\r\n\r\n", timeout=0.3)
                assert b"Traceback" not in raw
                if raw:
                    assert raw.startswith(b"HTTP/1.1 ")
            assert (await get(s, edge.url + "/ok"))[0] == 200
    asyncio.run(main())


def test_a_remembered_head_gives_a_fresh_request_each_time() -> None:
    head = b"GET /memo HTTP/1.1\r\nHost: h\r\nUser-Agent: u"
    first, second = parse_head(head), parse_head(head)
    # The same request, but that the second knows its headers came before (block_key).
    assert first is not second and replace(first, block_key=second.block_key) == second
    assert second.block_key == b"Host: h\r\nUser-Agent: u"
    first.raw_path, first.keep_alive, first.body = "/index.html", False, b"x"
    third = parse_head(head)
    assert (third.raw_path, third.keep_alive, third.body) == ("/memo", True, b"")
    third.headers["Host"] = "other"  # type: ignore[index]  # each request has headers of its own
    assert parse_head(head).headers["Host"] == "h" and first.headers["Host"] == "h"
