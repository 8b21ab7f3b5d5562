"""Invalidations through the admin API (section 2.9), POPs and the regional tier (2.8)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from edge.core.invalidation import InvalidationError, parse_batch
from edge.pop.pops import pop_names
from tests.edge.inproc import batch, get, run, running
from tests.edge.test_revalidation_stale import single

AUTH = {"Authorization": "Bearer secret", "Content-Type": "application/json"}


def test_invalidated_paths_miss_next_time_in_every_variant(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            for path in ("/a", "/b/1", "/b/2", "/c"):
                origin.replies[path] = (200, {"Cache-Control": "max-age=600"}, b"x")
            for path in ("/a", "/b/1", "/b/2", "/c"):
                await get(s, edge.url + path)
            # Accept-Encoding is in CachingOptimized's key: a second variant of /a.
            await get(s, edge.url + "/a", headers={"Accept-Encoding": "br"})
            async with s.post(edge.admin_url + "/invalidations", data=batch(["/a", "/b/*"]),
                              headers=AUTH) as resp:
                answer = await resp.json()
                assert resp.status == 201
            assert answer["Invalidation"]["Status"] == "Completed"
            assert answer["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/a", "/b/*"]
            assert answer["ObjectsRemoved"] == 4
            for path, word in (("/a", "Miss"), ("/b/1", "Miss"), ("/b/2", "Miss"), ("/c", "Hit")):
                assert (await get(s, edge.url + path))[1]["X-Cache"] == f"{word} from cloudfront"
            async with s.get(edge.admin_url + "/invalidations", headers=AUTH) as resp:
                assert (await resp.json())["InvalidationList"]["Quantity"] == 1
    run(main())


def test_invalidation_needs_the_token_and_a_valid_batch(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            async with s.post(edge.admin_url + "/invalidations", data=batch(["/*"])) as resp:
                assert resp.status == 401
            async with s.post(edge.admin_url + "/invalidations", data=batch(["/a*b"]),
                              headers=AUTH) as resp:
                assert resp.status == 400
                assert "'*' is allowed only as the last character" in (await resp.json())["error"]
    run(main())


@pytest.mark.parametrize("body, message", [
    ([], "expected an InvalidationBatch"),
    ({"Paths": {"Quantity": 2, "Items": ["/a"]}}, "Paths.Quantity: 2 does not match"),
    ({"Paths": {"Quantity": 0, "Items": []}}, "Paths.Items: 1..3000 paths"),
    ({"Paths": {"Quantity": 1, "Items": [7]}}, "Paths.Items[0]: expected a non-empty string"),
    ({"Paths": {"Quantity": 1, "Items": ["/" + "x" * 4000]}}, "longer than 4000"),
])
def test_invalidation_batch_validation(body: object, message: str) -> None:
    with pytest.raises(InvalidationError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_batch(body)


def test_invalidation_paths_get_a_leading_slash_and_the_envelope_is_accepted() -> None:
    body = {"InvalidationBatch": {"Paths": {"Quantity": 1, "Items": ["img/*"]},
                                  "CallerReference": "r1"}}
    assert parse_batch(body) == (["/img/*"], "r1")


def test_pop_names_count_up_from_the_given_pop() -> None:
    assert pop_names("IAD79-C3", 3) == ["IAD79-C3", "IAD80-C3", "IAD81-C3"]
    assert pop_names("local", 2) == ["local", "local-2"]


async def _one_connection_each(url: str, n: int) -> list[tuple[str, str]]:
    answers = []
    for _ in range(n):  # a fresh session is a fresh connection, so the next POP
        async with aiohttp.ClientSession() as s:
            _, headers, _ = await get(s, url)
            answers.append((headers["X-Amz-Cf-Pop"], headers["X-Cache"].split()[0]))
    return answers


def test_pops_have_their_own_caches_and_names(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path, pops=3) as edge:
            origin = edge.origins["primary"]
            origin.replies["/p"] = (200, {"Cache-Control": "max-age=600"}, b"p")
            answers = await _one_connection_each(edge.url + "/p", 6)
            assert answers == [("EMU50-C1", "Miss"), ("EMU51-C1", "Miss"), ("EMU52-C1", "Miss"),
                               ("EMU50-C1", "Hit"), ("EMU51-C1", "Hit"), ("EMU52-C1", "Hit")]
            assert origin.count("/p") == 3
            assert {r["x-edge-location"] for r in edge.records()} == {
                "EMU50-C1", "EMU51-C1", "EMU52-C1"}
    run(main())


def test_regional_tier_answers_pop_misses_and_collapses_across_pops(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path, pops=3, regional=True) as edge:
            origin = edge.origins["primary"]
            origin.replies["/t"] = (200, {"Cache-Control": "max-age=600"}, b"t")
            answers = await _one_connection_each(edge.url + "/t", 3)
            assert [w for _, w in answers] == ["Miss", "Hit", "Hit"]
            assert origin.count("/t") == 1
            # Concurrent misses at three POPs: one origin request.
            origin.delay = 0.3
            origin.replies["/u"] = (200, {"Cache-Control": "max-age=600"}, b"u")
            sessions = [aiohttp.ClientSession() for _ in range(3)]
            try:
                await asyncio.gather(*(get(s, edge.url + "/u") for s in sessions))
            finally:
                for s in sessions:
                    await s.close()
            assert origin.count("/u") == 1
    run(main())


def test_origin_shield_hits_are_logged_as_origin_shield_hit(tmp_path: Path) -> None:
    doc = single()
    doc["Origins"]["Items"][0]["OriginShield"] = {"Enabled": True,
                                                 "OriginShieldRegion": "us-east-1"}

    async def main() -> None:
        async with running(doc, tmp_path, pops=2) as edge:
            edge.origins["primary"].replies["/o"] = (200, {"Cache-Control": "max-age=60"}, b"o")
            await _one_connection_each(edge.url + "/o", 2)
            detailed = [r["x-edge-detailed-result-type"] for r in edge.records()]
            assert detailed == ["Miss", "OriginShieldHit"]
    run(main())
