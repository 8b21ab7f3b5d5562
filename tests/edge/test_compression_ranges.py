"""Automatic compression (section 2.10) and range GETs (2.11)."""

from __future__ import annotations

import gzip
from pathlib import Path

import aiohttp
import brotli
import pytest

from edge.core.ranges import UNSATISFIABLE, byte_range
from tests.edge.inproc import get, raw_exchange, run, running
from tests.edge.test_revalidation_stale import single

TEXT = b"compressible text " * 200  # 3,600 bytes


def compressing() -> dict:  # type: ignore[type-arg]
    doc = single()
    doc["DefaultCacheBehavior"]["Compress"] = True
    return doc


async def _raw_get(url: str, path: str, extra: str = "") -> tuple[bytes, bytes]:
    host = url.removeprefix("http://")
    raw = await raw_exchange(url, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}"
                             "Connection: close\r\n\r\n".encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def test_compress_true_gzips_or_brotlis_what_the_viewer_accepts(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(compressing(), tmp_path) as edge:
            origin = edge.origins["primary"]
            origin.replies["/t.txt"] = (200, {"Cache-Control": "max-age=60", "ETag": '"e1"',
                                              "Content-Type": "text/plain"}, TEXT)
            head, body = await _raw_get(edge.url, "/t.txt", "Accept-Encoding: gzip\r\n")
            assert b"Content-Encoding: gzip" in head and b'etag: w/"e1"' in head.lower()
            assert gzip.decompress(body) == TEXT
            head, body = await _raw_get(edge.url, "/t.txt", "Accept-Encoding: gzip, br\r\n")
            assert b"Content-Encoding: br" in head and brotli.decompress(body) == TEXT
            head, body = await _raw_get(edge.url, "/t.txt")
            assert b"Content-Encoding" not in head and body == TEXT
            # Three variants, three origin requests; each is a hit next time.
            head, _ = await _raw_get(edge.url, "/t.txt", "Accept-Encoding: gzip\r\n")
            assert b"X-Cache: Hit" in head and origin.count("/t.txt") == 3
    run(main())


@pytest.mark.parametrize("headers, body", [
    ({"Content-Type": "image/png"}, TEXT),                          # not a compressible type
    ({"Content-Type": "text/plain"}, b"short"),                     # under 1,000 bytes
    ({"Content-Type": "text/plain", "Content-Encoding": "gzip"}, TEXT),  # already encoded
])
def test_objects_that_do_not_qualify_stay_as_they_are(tmp_path: Path, headers: dict[str, str],
                                                     body: bytes) -> None:
    async def main() -> None:
        async with running(compressing(), tmp_path) as edge:
            edge.origins["primary"].replies["/o"] = (200, headers, body)
            head, got = await _raw_get(edge.url, "/o", "Accept-Encoding: gzip\r\n")
            assert got == body and head.count(b"Content-Encoding") == (
                1 if "Content-Encoding" in headers else 0)
    run(main())


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-9", (0, 9)), ("bytes=10-", (10, 99)), ("bytes=-5", (95, 99)),
    ("bytes=90-200", (90, 99)), ("bytes=100-", UNSATISFIABLE), ("bytes=9-3", None),
    ("bytes=0-1,5-6", None), ("items=0-1", None), ("bytes=x-1", None),
])
def test_byte_range_rules(header: str, expected: object) -> None:
    assert byte_range(header, 100) == expected


def test_range_gets_are_served_from_the_whole_cached_object(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/r"] = (200, {"Cache-Control": "max-age=60"}, bytes(range(100)))
            # The miss: the origin's whole object, 200, as CloudFront when the origin ignores ranges.
            status, headers, body = await get(s, edge.url + "/r", headers={"Range": "bytes=10-19"})
            assert (status, body, headers["X-Cache"]) == (200, bytes(range(100)), "Miss from cloudfront")
            assert "Content-Range" not in headers
            assert "Range" not in origin.seen[0][2]        # the edge fetched the whole object
            # From then on, ranges are cut from the cached object.
            status, headers, body = await get(s, edge.url + "/r", headers={"Range": "bytes=10-19"})
            assert (status, body, headers["Content-Range"]) == (206, bytes(range(10, 20)),
                                                               "bytes 10-19/100")
            status, headers, _ = await get(s, edge.url + "/r", headers={"Range": "bytes=-10"})
            assert (status, headers["X-Cache"]) == (206, "Hit from cloudfront")
            status, headers, _ = await get(s, edge.url + "/r", headers={"Range": "bytes=200-"})
            assert (status, headers["Content-Range"]) == (416, "bytes */100")
            assert (await get(s, edge.url + "/r", headers={"Range": "bytes=5-1"}))[0] == 200
            miss, hit = edge.records()[:2]
            assert (miss["sc-range-start"], miss["sc-range-end"]) == ("-", "-")
            assert (hit["sc-range-start"], hit["sc-range-end"]) == ("10", "19")
            assert origin.count("/r") == 1
    run(main())
