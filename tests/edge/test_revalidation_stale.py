"""Expired objects: RefreshHit revalidation, stale-if-error, the 'expired object + origin
5xx serves stale' rule, stale-while-revalidate (reference sections 2.4-2.6)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.edge import configs
from tests.edge.inproc import Reply, Running, age_cache, get, run, running


def single(policy: str = configs.CACHING_OPTIMIZED, errors: list[dict[str, Any]] | None = None,
           legacy: dict[str, Any] | None = None) -> dict[str, Any]:
    """One origin ``primary`` behind the default behaviour (no group, so no failover)."""
    doc = configs.distribution(envelope=False)
    doc["DefaultCacheBehavior"] = configs.behavior("primary", policy)
    if legacy is not None:
        del doc["DefaultCacheBehavior"]["CachePolicyId"]
        doc["DefaultCacheBehavior"].update(legacy)
    doc["CacheBehaviors"] = {"Quantity": 0}
    doc["CustomErrorResponses"] = {"Quantity": len(errors or []), "Items": errors or []}
    return doc


def etag_object(cache_control: str, etag: str = '"v1"') -> Any:
    async def reply(request: web.Request) -> Reply:
        if request.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag, "Cache-Control": cache_control}, b""
        return 200, {"ETag": etag, "Cache-Control": cache_control}, b"body-v1"
    return reply


async def refetch_expired(s: aiohttp.ClientSession, edge: Running, path: str, cached: Any, then: Any,
                          age_s: float) -> tuple[int, dict[str, str], bytes]:
    """Cache the origin's reply ``cached`` at ``path``, age the caches by ``age_s`` seconds,
    make the origin answer ``then`` instead, and fetch ``path`` again."""
    origin = edge.origins["primary"]
    origin.replies[path] = cached
    await get(s, edge.url + path)
    age_cache(edge.pops, age_s)
    origin.replies[path] = then
    return await get(s, edge.url + path)


def test_expired_object_is_revalidated_and_304_is_a_refresh_hit(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/r"] = etag_object("max-age=60")
            assert (await get(s, edge.url + "/r"))[1]["X-Cache"] == "Miss from cloudfront"
            age_cache(edge.pops, 61)
            status, headers, body = await get(s, edge.url + "/r")
            assert (status, headers["X-Cache"], body) == (200, "RefreshHit from cloudfront",
                                                         b"body-v1")
            assert headers["Age"] == "0"  # freshness restarted by the 304
            assert origin.seen[-1][2]["If-None-Match"] == '"v1"'
            # Fresh again: a plain hit, no origin request.
            assert (await get(s, edge.url + "/r"))[1]["X-Cache"] == "Hit from cloudfront"
            assert origin.count("/r") == 2
            results = [r["x-edge-result-type"] for r in edge.records()]
            assert results == ["Miss", "RefreshHit", "Hit"]
    run(main())


def test_revalidation_answered_200_replaces_the_object_as_a_miss(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            status, headers, _ = await refetch_expired(s, edge, "/r", etag_object("max-age=60"),
                                                       etag_object("max-age=60", '"v2"'), 61)
            assert headers["X-Cache"] == "Miss from cloudfront" and headers["Etag"] == '"v2"'
    run(main())


def test_expired_object_and_origin_5xx_serves_stale_for_error_caching_min_ttl(
        tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            status, headers, body = await refetch_expired(
                s, edge, "/s", (200, {"Cache-Control": "max-age=60"}, b"good"), (503, {}, b"down"), 61)
            assert (status, body, headers["X-Cache"]) == (200, b"good", "Hit from cloudfront")
            # Kept for ErrorCachingMinTTL (10 s): the next viewer is a hit without the origin.
            before = origin.count("/s")
            assert (await get(s, edge.url + "/s"))[2] == b"good"
            assert origin.count("/s") == before
            record = edge.records()[1]
            assert record["x-origin-attempts"] == "primary:503"
    run(main())


def test_stale_if_error_window_then_the_error(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/w"] = (200, {"Cache-Control": "max-age=60, stale-if-error=30"}, b"ok")
            await get(s, edge.url + "/w")
            origin.replies["/w"] = (500, {}, b"broken")
            age_cache(edge.pops, 80)          # 20 s past expiry: inside the 30 s window
            assert (await get(s, edge.url + "/w"))[:1] == (200,)
            age_cache(edge.pops, 20)          # 40 s past expiry: outside it
            status, headers, body = await get(s, edge.url + "/w")
            assert (status, body, headers["X-Cache"]) == (500, b"broken", "Error from cloudfront")
    run(main())


def test_stale_if_error_zero_and_origin_4xx_return_the_error(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/z"] = (200, {"Cache-Control": "max-age=60, stale-if-error=0"}, b"z")
            origin.replies["/f"] = (200, {"Cache-Control": "max-age=60"}, b"f")
            await get(s, edge.url + "/z")
            await get(s, edge.url + "/f")
            age_cache(edge.pops, 61)
            origin.replies["/z"] = (502, {}, b"")
            origin.replies["/f"] = (404, {}, b"gone")
            assert (await get(s, edge.url + "/z"))[0] == 502
            assert (await get(s, edge.url + "/f"))[:3:2] == (404, b"gone")
    run(main())


def test_stale_windows_are_capped_at_max_ttl(tmp_path: Path) -> None:
    legacy = {"ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
              "MinTTL": 0, "DefaultTTL": 5, "MaxTTL": 10}

    async def main() -> None:
        async with running(single(legacy=legacy), tmp_path) as edge, \
                aiohttp.ClientSession() as s:
            cached = (200, {"Cache-Control": "max-age=5, stale-if-error=3600"}, b"m")
            # past expiry by 11 s > MaxTTL 10 s
            assert (await refetch_expired(s, edge, "/m", cached, (500, {}, b""), 5 + 11))[0] == 500
    run(main())


def test_stale_while_revalidate_serves_stale_and_refreshes_in_background(
        tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            status, headers, body = await refetch_expired(
                s, edge, "/v", (200, {"Cache-Control": "max-age=60, stale-while-revalidate=30"}, b"old"),
                (200, {"Cache-Control": "max-age=60"}, b"new"), 70)
            assert (body, headers["X-Cache"]) == (b"old", "Hit from cloudfront")
            # The background refresh lands within a moment (bounded poll, not a sleep).
            for _ in range(100):
                if (await get(s, edge.url + "/v"))[2] == b"new":
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("background revalidation never replaced the object")
            assert origin.count("/v") == 2
    run(main())
