"""The bounded memo of the hot path (edge/core/memo.py): pure, no clock."""

from __future__ import annotations

import pytest

from edge.core.memo import Memo


def test_the_oldest_is_forgotten_first_and_the_size_holds() -> None:
    memo: Memo[str, int] = Memo(3)
    for n, key in enumerate("abcd"):
        memo.put(key, n)
    assert len(memo) == 3 and memo.get("a") is None
    assert [memo.get(k) for k in "bcd"] == [1, 2, 3]


def test_putting_a_known_key_again_replaces_it_without_a_second_place_in_line() -> None:
    memo: Memo[str, int] = Memo(2)
    memo.put("a", 1)
    memo.put("a", 2)          # still one entry, still the oldest
    memo.put("b", 3)
    assert memo.get("a") == 2 and len(memo) == 2
    memo.put("c", 4)          # forgets "a", the first put, not "b"
    assert memo.get("a") is None and memo.get("b") == 3 and memo.get("c") == 4


def test_a_long_stream_of_new_keys_keeps_exactly_the_last_ones() -> None:
    memo: Memo[int, int] = Memo(1000)
    for n in range(100_000):
        assert memo.put(n, n * 2) == n * 2
    assert len(memo) == 1000
    assert memo.get(98_999) is None and memo.get(99_000) == 198_000 and memo.get(99_999) == 199_998
    memo.clear()
    assert len(memo) == 0 and memo.get(99_999) is None


def test_a_request_head_is_kept_once_it_comes_again_and_read_the_same() -> None:
    # The parsed-head memo admits a head on its second sighting: one that never repeats
    # (a viewer walking 200,000 objects) never takes a place in it.
    from edge.core import viewer_http

    head = next(h for h in (b"GET /static/memo-admission-%d HTTP/1.1\r\nHost: d.test\r\nX-Tag: a" % i
                            for i in range(100)) if not _marked(h))  # no other head's mark on its slot
    once = viewer_http.parse_head(head)
    assert viewer_http._PARSED.get(head) is None
    twice = viewer_http.parse_head(head)
    assert viewer_http._PARSED.get(head) is not None
    thrice = viewer_http.parse_head(head)  # from the memo now
    for request in (once, twice, thrice):
        assert (request.method, request.raw_path, request.raw_headers) == (
            "GET", head.split(b" ")[1].decode(), (("Host", "d.test"), ("X-Tag", "a")))
        assert request.headers["x-tag"] == "a" and request.keep_alive


def _marked(head: bytes) -> bool:
    from edge.core import viewer_http
    return viewer_http._SIGHTINGS.marked(hash(head))


def test_heads_seen_once_are_forgotten_a_part_at_a_time() -> None:
    # The marks of heads seen once are a table zeroed a part at a time: at most 1 in 16 slots
    # marked however many heads come, and a mark forgotten within 65,536 marks of its own,
    # with no pause to free them all at once.
    from edge.core import viewer_http

    first = next(h for h in (b"GET /forgotten-%d HTTP/1.1\r\nHost: d.test" % i for i in range(100))
                 if not _marked(h))
    viewer_http.parse_head(first)
    assert _marked(first)
    sightings = viewer_http._SIGHTINGS
    mask = sightings.slots - 1
    for i in range(100_000):  # 100,000 heads that never come again (none on first's slot)
        passing = b"GET /passing-%d HTTP/1.1\r\nHost: d.test" % i
        if hash(passing) & mask != hash(first) & mask:
            viewer_http.parse_head(passing)
    assert not _marked(first)
    assert sightings.count() <= sightings.parts * sightings.part_marks + sightings.part_marks  # 1 in 16, and a part's worth
    viewer_http.parse_head(first)  # new again: marked, not kept
    assert viewer_http._PARSED.get(first) is None
    # With 65,536 marks in the table, a new head is taken for one seen before only when its
    # slot holds another head's mark with the same 8 bits of hash: 1 in 4,000 (1 in 16 with
    # a plain mark).
    new = [b"GET /new-%d HTTP/1.1\r\nHost: d.test" % i for i in range(20_000)]
    for head in new:
        viewer_http.parse_head(head)
    assert sum(viewer_http._PARSED.get(head) is not None for head in new) < 40


def test_a_memo_that_evicts_as_it_adds_lets_no_young_objects_pile_up() -> None:
    # Each entry added here is three tracked tuples and each one evicted frees three: CPython's
    # count of allocations stays level and never sets a young collection off, so without the
    # memo's own, every 256 evictions, generation 0 would come to hold every entry added since
    # the last collection, 30,000 tuples here (55,000-61,000 under 200,000 objects at random
    # in the edge's memo of heads: a 14 ms pause when something set a collection off); with
    # one of generation 0 alone, the nested tuples a collection had not yet untracked would
    # pile up in generation 1.
    import gc

    from edge.core.memo import YOUNG_COLLECT_EVERY

    memo: Memo[int, tuple[str, tuple[tuple[str, str]]]] = Memo(10_000)
    for i in range(10_000):  # shaped like a parsed head: header pairs in a tuple in the entry
        memo.put(i, (f"v{i}", ((f"h{i}", "x"),)))
    gc.collect()
    young = []
    for i in range(10_000, 30_000):
        memo.put(i, (f"v{i}", ((f"h{i}", "x"),)))
        if i % 1000 == 0:
            young.append(len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1)))
    assert max(young) < 4 * YOUNG_COLLECT_EVERY + 500, young
    assert len(memo) == 10_000 and memo.get(29_999) == ("v29999", (("h29999", "x"),))


def test_a_header_block_is_kept_once_it_comes_again_under_any_request_line() -> None:
    # A viewer asking for ever new objects with the same headers (200,000 objects at random):
    # the headers are parsed twice, then read from the memo of blocks; the request line is
    # always its own, and what depends on both (keep-alive: HTTP/1.0 keeps it only when
    # asked) is worked out per request.
    from edge.core import viewer_http

    block = b"Host: d.test\r\nX-Block: kept-under-any-line\r\nContent-Length: 3"
    heads = [b"POST /block-%d HTTP/1.1\r\n" % i + block for i in range(4)]
    requests = [viewer_http.parse_head(head) for head in heads]
    assert viewer_http._BLOCKS.get(block) is not None
    old = viewer_http.parse_head(b"PUT /block-old HTTP/1.0\r\n" + block)
    for n, request in enumerate(requests):
        assert (request.method, request.raw_path, request.version, request.keep_alive) == (
            "POST", f"/block-{n}", "HTTP/1.1", True)
        assert request.raw_headers == (("Host", "d.test"), ("X-Block", "kept-under-any-line"),
                                       ("Content-Length", "3"))
        assert request.content_length == 3 and request.headers["x-block"] == "kept-under-any-line"
        assert request.head_bytes == len(heads[n])
    assert (old.method, old.raw_path, old.version, old.keep_alive) == ("PUT", "/block-old", "HTTP/1.0", False)


@pytest.mark.parametrize(("block", "status", "detailed"), [
    (b"Host: d.test\r\nContent-Length: three", 400, "InvalidRequestHeader"),
    (b"Host: d.test\r\nTransfer-Encoding: gzip", 400, "InvalidRequestHeader"),
    (b"Host: d.test\r\nContent-Length: 99999999999", 413, "InvalidRequest"),
    (b"Host: d.test\r\nBad Name: x", 400, "InvalidRequestHeader"),
])
def test_a_refused_header_block_is_refused_every_time(block: bytes, status: int, detailed: str) -> None:
    from edge.core import viewer_http

    for i in range(4):  # a refused block is never kept: parsed and refused each time
        with pytest.raises(viewer_http.RequestError) as refused:
            viewer_http.parse_head(b"POST /refused-%d HTTP/1.1\r\n" % i + block)
        assert (refused.value.status, refused.value.detailed) == (status, detailed)


def test_after_a_run_of_new_header_blocks_a_block_that_comes_again_is_still_kept() -> None:
    # A viewer whose every head carries a new id: past BLOCK_MISSES_MAX new blocks in a row only
    # every BLOCK_RETRY-th head looks its block up. Headers that then repeat are found within
    # two of those looks, and every head looks again.
    from edge.core import viewer_http

    for i in range(viewer_http.BLOCK_MISSES_MAX + 10):
        viewer_http.parse_head(b"GET /trace HTTP/1.1\r\nHost: d.test\r\nX-Trace-Id: run-%d" % i)
    assert viewer_http._block_misses >= viewer_http.BLOCK_MISSES_MAX
    block = b"Host: d.test\r\nUser-Agent: after-the-run"
    requests = [viewer_http.parse_head(b"GET /after-%d HTTP/1.1\r\n" % i + block)
                for i in range(2 * viewer_http.BLOCK_RETRY + 1)]
    assert viewer_http._BLOCKS.get(block) is not None and viewer_http._block_misses == 0
    assert requests[-1].block_key == block
    assert [r.raw_path for r in requests] == [f"/after-{i}" for i in range(len(requests))]
    assert all(r.raw_headers == (("Host", "d.test"), ("User-Agent", "after-the-run")) for r in requests)
