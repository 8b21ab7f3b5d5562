"""Request collapsing (section 2.7) and custom error responses / error caching (1.6, 2.4)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.edge.inproc import age_cache, get, run, running
from tests.edge.test_revalidation_stale import single

LEGACY_MIN0 = {"ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
               "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 600}


async def burst(url: str, n: int = 10) -> list[str]:
    async with aiohttp.ClientSession() as s:
        answers = await asyncio.gather(*(get(s, url) for _ in range(n)))
    return sorted(h["X-Cache"].split()[0] for _, h, _ in answers)


def test_concurrent_misses_for_one_key_make_one_origin_request(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge:
            origin = edge.origins["primary"]
            origin.delay = 0.3  # long enough that all ten viewers arrive while it is pending
            origin.replies["/c"] = (200, {"Cache-Control": "max-age=60"}, b"c")
            assert await burst(edge.url + "/c") == ["Hit"] * 9 + ["Miss"]
            assert origin.count("/c") == 1
    run(main())


def test_collapsing_switch_off_sends_every_miss(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path, collapse=False) as edge:
            origin = edge.origins["primary"]
            origin.delay = 0.3
            origin.replies["/c"] = (200, {"Cache-Control": "max-age=60"}, b"c")
            assert await burst(edge.url + "/c") == ["Miss"] * 10
            assert origin.count("/c") == 10
    run(main())


def test_collapsing_opt_out_min_ttl_0_and_no_store(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(legacy=LEGACY_MIN0), tmp_path) as edge:
            origin = edge.origins["primary"]
            origin.delay = 0.3
            origin.replies["/n"] = (200, {"Cache-Control": "no-store"}, b"n")
            assert await burst(edge.url + "/n", 5) == ["Miss"] * 5
            assert origin.count("/n") == 5
    run(main())


def test_custom_error_response_page_and_response_code(tmp_path: Path) -> None:
    errors = [{"ErrorCode": 503, "ResponsePagePath": "/errors/503.html", "ResponseCode": "200",
               "ErrorCachingMinTTL": 30}]

    async def main() -> None:
        async with running(single(errors=errors), tmp_path) as edge, \
                aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/e"] = (503, {}, b"origin body")
            origin.replies["/errors/503.html"] = (200, {"Content-Type": "text/html"},
                                                  b"<p>sorry</p>")
            status, headers, body = await get(s, edge.url + "/e")
            assert (status, body, headers["X-Cache"]) == (200, b"<p>sorry</p>",
                                                         "Error from cloudfront")
            # Cached for the rule's ErrorCachingMinTTL (30 s): no origin request at 20 s.
            age_cache(edge.pops, 20)
            assert (await get(s, edge.url + "/e"))[:3:2] == (200, b"<p>sorry</p>")
            assert origin.count("/e") == 1
            age_cache(edge.pops, 11)
            await get(s, edge.url + "/e")
            assert origin.count("/e") == 2
            record = edge.records()[0]
            assert (record["sc-status"], record["x-edge-result-type"]) == ("200", "Error")
    run(main())


def test_unfetchable_custom_error_page_gives_the_page_status(tmp_path: Path) -> None:
    errors = [{"ErrorCode": 500, "ResponsePagePath": "/missing.html", "ResponseCode": "503"}]

    async def main() -> None:
        async with running(single(errors=errors), tmp_path) as edge, \
                aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/e"] = (500, {}, b"")
            status, headers, _ = await get(s, edge.url + "/e")
            assert (status, headers["X-Cache"]) == (404, "Error from cloudfront")
    run(main())


def test_error_caching_min_ttl_zero_caches_nothing(tmp_path: Path) -> None:
    errors = [{"ErrorCode": 502, "ErrorCachingMinTTL": 0}]

    async def main() -> None:
        async with running(single(errors=errors), tmp_path) as edge, \
                aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/e"] = (502, {}, b"")
            origin.replies["/d"] = (504, {}, b"")
            for _ in range(3):
                await get(s, edge.url + "/e")
                await get(s, edge.url + "/d")
            assert origin.count("/e") == 3   # ErrorCachingMinTTL 0: every viewer asks again
            assert origin.count("/d") == 1   # 504 keeps the default 10 s
    run(main())


def test_generated_errors_are_cloudfront_pages(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            async with s.request("DELETE", edge.url + "/x") as resp:
                body = await resp.text()
                assert resp.status == 403 and resp.headers["Server"] == "CloudFront"
                assert "<TITLE>ERROR: The request could not be satisfied</TITLE>" in body
                assert "not configured to allow the HTTP request method" in body
                assert resp.headers["X-Amz-Cf-Id"] in body
    run(main())


def test_response_completion_timeout_caps_the_retries(tmp_path: Path) -> None:
    doc = single()
    primary = doc["Origins"]["Items"][0]
    primary["ConnectionAttempts"], primary["ResponseCompletionTimeout"] = 3, 2
    primary["CustomOriginConfig"]["OriginReadTimeout"] = 1

    async def main() -> None:
        async with running(doc, tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.delay = 5.0      # hangs past every timeout
            started = asyncio.get_running_loop().time()
            status, headers, _ = await get(s, edge.url + "/hang")
            elapsed = asyncio.get_running_loop().time() - started
            assert (status, headers["X-Cache"]) == (504, "Error from cloudfront")
            # Without the cap: 3 tries x 1 s. With it: 2 s (bounds allow a loaded machine).
            assert 1.8 <= elapsed < 2.9
            record = edge.records()[0]
            assert record["x-origin-attempts"] == "primary:read-timeout|primary:read-timeout"
            assert record["x-edge-detailed-result-type"] == "OriginCommError"
    run(main())
