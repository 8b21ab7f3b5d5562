"""The event loop's longest block and the collector kept off the hot path (edge/pop/loop_health.py)."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from edge.core.cache import Cache, CacheEntry
from edge.pop.loop_health import FREEZE_AFTER_STORES, FREEZE_EVERY_S, LoopHealth
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
    assert not health.tick(cache.stores, now=100.0)             # not enough stores yet
    cache.store(("d.test", "/last"), CacheEntry(200, (), b"x", 0.0, 60.0))
    assert health.tick(cache.stores, now=100.0) and health.freezes == 1
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(entry) in tracked for entry in cache._entries.values())  # walked by no collection
    assert gc.get_freeze_count() >= FREEZE_AFTER_STORES
    for n in range(FREEZE_AFTER_STORES):
        cache.store(("d.test", f"/new{n}"), CacheEntry(200, (), b"x", 0.0, 60.0))
    assert not health.tick(cache.stores, now=100.0 + FREEZE_EVERY_S / 2)  # at most one a period
    assert health.tick(cache.stores, now=100.0 + FREEZE_EVERY_S) and health.freezes == 2


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
    # Timed by the edge itself: positive, and far below anything a viewer would notice as a
    # hang (the bound is generous: a shared CI machine can stall a process for a while).
    assert 0 < loop["longest_block_ms"] < 2000
    assert loop["longest_block_in"] in {"viewer", "access log", "sweep"}
