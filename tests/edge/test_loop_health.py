"""The event loop's longest block and the collector kept off the hot path (edge/pop/loop_health.py)."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from edge.core.cache import Cache, CacheEntry
from edge.pop.loop_health import FREEZE_AFTER_STORES, FREEZE_EVERY_S, NEVER, RECENT_BLOCKS, LoopHealth
from tests.edge import configs
from tests.edge.conftest import EdgeFactory


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # this test process must not keep what a test froze


def test_the_cache_is_frozen_out_of_the_collector_after_enough_stores(unfrozen: None) -> None:
    cache = Cache()
    for n in range(FREEZE_AFTER_STORES - 1):
        cache.store(("d.test", f"/o{n}"), CacheEntry(200, (), b"x", 0.0, 60.0))
    health = LoopHealth()
    health.busy = True  # viewers kept coming: no idle collection, only freezes
    assert health.tick(cache.stores, now=100.0) == 0.0 and health.freezes == 0  # not enough stores
    cache.store(("d.test", "/last"), CacheEntry(200, (), b"x", 0.0, 60.0))
    health.busy = True
    health.tick(cache.stores, now=100.0)
    assert health.freezes == 1
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(entry) in tracked for entry in cache._entries.values())  # walked by no collection
    assert gc.get_freeze_count() >= FREEZE_AFTER_STORES
    for n in range(FREEZE_AFTER_STORES):
        cache.store(("d.test", f"/new{n}"), CacheEntry(200, (), b"x", 0.0, 60.0))
    health.busy = True
    health.tick(cache.stores, now=100.0 + FREEZE_EVERY_S / 2)
    assert health.freezes == 1  # at most one a period
    health.busy = True
    health.tick(cache.stores, now=100.0 + FREEZE_EVERY_S)
    assert health.freezes == 2 and health.idle_collections == 0


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_no_full_collection_while_busy_and_one_when_idle() -> None:
    health = LoopHealth()
    before = gc.get_threshold()
    health.install()
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)  # no automatic full collection
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        gc.collect(1)  # promoted to the old generation, where only a full collection looks
        del cycle
        assert gone() is not None
        health.busy = True
        assert health.tick(0, now=1.0) == 0.0 and gone() is not None  # viewers: nothing
        assert health.tick(0, now=2.0) > 0.0 and gone() is None  # a whole idle sweep: collected
        assert health.idle_collections == 1
        report = health.as_json()
        assert report["idle_collections"] == 1 and report["idle_collection_longest_ms"] > 0
        assert report["gc"]["gen2"]["collections"] == 1
        assert health.tick(0, now=3.0) == 0.0  # nothing reached the old generation since
    finally:
        health.uninstall()
    assert gc.get_threshold() == before


def test_runs_over_one_millisecond_are_counted_and_the_longest_kept() -> None:
    health = LoopHealth()
    health.held(0.0004, "viewer")
    assert health.blocks_over == 0 and health.watch_s == 0.0004  # below 1 ms: watch from the longest
    health.held(0.003, "access log")
    health.held(0.002, "viewer")
    report = health.as_json()
    assert report["blocks_over_1ms"] == 2 and health.watch_s == 0.001
    assert report["longest_block_ms"] == 3.0 and report["longest_block_in"] == "access log"


def test_the_last_blocks_are_kept_with_when_they_began_on_the_monotonic_clock() -> None:
    health = LoopHealth()
    before = time.monotonic()
    health.held(0.0005, "viewer")  # not a block
    for n in range(RECENT_BLOCKS + 4):
        health.held(0.002 + n / 1e6, "sweep" if n % 2 else "viewer")
    after = time.monotonic()
    recent = health.as_json()["recent_blocks"]
    # The newest RECENT_BLOCKS, oldest first; each began its length before it was reported.
    assert [b["ms"] for b in recent] == [round(2 + n / 1e3, 3) for n in range(4, RECENT_BLOCKS + 4)]
    assert [b["in"] for b in recent[:2]] == ["viewer", "sweep"]
    assert all(before - 0.003 <= b["at"] <= after - 0.002 for b in recent)


def test_the_collectors_pauses_are_timed_by_generation() -> None:
    health = LoopHealth()
    health.install()
    try:
        gc.collect(0)
        gc.collect(2)
    finally:
        health.uninstall()
    report = health.as_json()["gc"]
    assert report["gen0"]["collections"] >= 1 and report["gen2"]["collections"] >= 1
    assert report["gen2"]["longest_ms"] > 0 and report["gen2"]["total_ms"] >= report["gen2"]["longest_ms"] / 2
    # CPU time of the longest pause: at most its wall time (plus the clocks' granularity).
    assert 0 <= report["gen2"]["longest_cpu_ms"] <= report["gen2"]["longest_ms"] + 1


def test_the_edges_stats_give_its_longest_block_and_its_freezes(make_edge: EdgeFactory) -> None:
    # Enough distinct objects for one freeze; the sweep that freezes runs once a second.
    edge = make_edge(configs.distribution())
    paths = [f"/static/freeze-{n}-64" for n in range(FREEZE_AFTER_STORES + 50)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda p: edge.get(p).status_code, paths))
    assert statuses.count(200) == len(paths)
    deadline = time.monotonic() + 10
    while True:
        loop = requests.get(edge.admin_url + "/stats", headers=edge.admin_auth, timeout=5).json()["loop"]
        if loop["gc_freezes"] >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert loop["gc_freezes"] == 1 and loop["gc_frozen_objects"] > len(paths)
    # Full collections only when the loop was idle a whole sweep (the unit test above shows one
    # happen; this small load may promote nothing to need one).
    assert loop["gc"].get("gen2", {}).get("collections", 0) == loop["idle_collections"]
    # Timed by the edge itself: positive, and far below anything a viewer would notice as a
    # hang (the bound is generous: a shared CI machine can stall a process for a while).
    assert 0 < loop["longest_block_ms"] < 2000
    assert loop["longest_block_in"] in {"viewer", "access log", "sweep"}
    # Any block over 1 ms is listed (the last RECENT_BLOCKS), begun on this process's clock too.
    assert len(loop["recent_blocks"]) == min(loop["blocks_over_1ms"], RECENT_BLOCKS)
    assert all(b["ms"] > 1 and b["at"] < time.monotonic() for b in loop["recent_blocks"])
