"""DefaultRootObject, viewer conditional requests on hits, OPTIONS keyed apart, HEAD, the
access log's 36 columns from the live path, and the benchmark's wrk parser."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bench.wrk import parse_wrk
from edge.pop.logline import FIELDS
from tests.edge.inproc import get, raw_exchange, run, running
from tests.edge.test_revalidation_stale import single


def test_default_root_object_answers_slash(tmp_path: Path) -> None:
    doc = single()
    doc["DefaultRootObject"] = "index.html"

    async def main() -> None:
        async with running(doc, tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/index.html"] = (200, {"Cache-Control": "max-age=60"}, b"home")
            assert (await get(s, edge.url + "/"))[2] == b"home"
            assert (await get(s, edge.url + "/"))[1]["X-Cache"] == "Hit from cloudfront"
            assert origin.count("/index.html") == 1
    run(main())


def test_viewer_if_none_match_on_a_hit_is_304_without_body(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/e"] = (
                200, {"Cache-Control": "max-age=60", "ETag": '"abc"'}, b"payload")
            await get(s, edge.url + "/e")
            status, headers, body = await get(s, edge.url + "/e",
                                              headers={"If-None-Match": 'W/"abc"'})
            assert (status, body, headers["X-Cache"]) == (304, b"", "Hit from cloudfront")
            other = await get(s, edge.url + "/e", headers={"If-None-Match": '"zzz"'})
            assert other[:3:2] == (200, b"payload")
    run(main())


@pytest.mark.parametrize("since, status", [
    ("Thu, 01 Jan 2026 00:00:00 GMT", 304), ("Fri, 02 Jan 2026 00:00:00 GMT", 304),
    ("Wed, 31 Dec 2025 23:59:59 GMT", 200), ("not a date", 200),
])
def test_viewer_if_modified_since_on_a_hit(tmp_path: Path, since: str, status: int) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/m"] = (
                200, {"Cache-Control": "max-age=60",
                      "Last-Modified": "Thu, 01 Jan 2026 00:00:00 GMT"}, b"payload")
            await get(s, edge.url + "/m")
            answer = await get(s, edge.url + "/m", headers={"If-Modified-Since": since})
            assert answer[0] == status
    run(main())


def test_head_hit_has_length_but_no_body_and_options_is_keyed_apart(tmp_path: Path) -> None:
    doc = single()
    doc["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"],
        "CachedMethods": {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"]}}

    async def main() -> None:
        async with running(doc, tmp_path) as edge, aiohttp.ClientSession() as s:
            origin = edge.origins["primary"]
            origin.replies["/h"] = (200, {"Cache-Control": "max-age=60"}, b"12345")
            # No gzip/br in Accept-Encoding: the same key as the raw HEAD below.
            await get(s, edge.url + "/h", headers={"Accept-Encoding": "identity"})
            host = edge.url.removeprefix("http://").encode()
            for word in (b"Miss", b"Hit"):   # another Host is another key: first a miss
                raw = await raw_exchange(edge.url, b"HEAD /h HTTP/1.1\r\nHost: x\r\n"
                                         b"Connection: close\r\n\r\n" if word == b"Miss" else
                                         b"HEAD /h HTTP/1.1\r\nHost: " + host +
                                         b"\r\nConnection: close\r\n\r\n")
                assert b"Content-Length: 5\r\n" in raw and raw.endswith(b"\r\n\r\n")
                assert b"X-Cache: " + word in raw
            async with s.options(edge.url + "/h") as resp:
                assert resp.headers["X-Cache"] == "Miss from cloudfront"
            async with s.options(edge.url + "/h") as resp:
                assert resp.headers["X-Cache"] == "Hit from cloudfront"
            assert [m for m, _, _ in origin.seen] == ["GET", "HEAD", "OPTIONS"]
    run(main())


def test_access_log_lines_have_the_36_columns_in_order(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(single(), tmp_path) as edge, aiohttp.ClientSession() as s:
            edge.origins["primary"].replies["/l"] = (200, {"Cache-Control": "max-age=60",
                                                           "Content-Type": "text/plain"}, b"abc")
            await get(s, edge.url + "/l?q=1", headers={"User-Agent": "a b", "Referer": "r"})
            await get(s, edge.url + "/l?q=1")

            edge.log.flush()
            lines = [x for x in Path(edge.log_path).read_text().splitlines()
                     if not x.startswith("#")]
            assert len(FIELDS) == 36 and all(len(x.split("\t")) == 36 for x in lines)
            miss, hit = edge.records()
            assert (miss["cs-uri-stem"], miss["cs-uri-query"], miss["cs(User-Agent)"]) == (
                "/l", "q=1", "a%20b")
            assert (miss["x-edge-result-type"], hit["x-edge-result-type"]) == ("Miss", "Hit")
            assert miss["x-origin-attempts"] == "primary:200" and hit["x-origin-attempts"] == "-"
            assert (hit["sc-content-type"], hit["sc-content-len"]) == ("text/plain", "3")
            assert float(hit["time-taken"]) >= float(hit["time-to-first-byte"]) >= 0
            assert hit["cs-protocol-version"] == "HTTP/1.1" and hit["cs-protocol"] == "http"
    run(main())


WRK_OUTPUT = """Running 4s test @ http://127.0.0.1:1/static/a
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   407.66us  216.40us   3.19ms   85.00%
    Req/Sec    40.05k     1.20k   42.10k    71.00%
  Latency Distribution
     50%  837.00us
     75%    0.88ms
     90%    1.02ms
     99%    3.20s
  120163 requests in 3.00s, 154.36MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  40049.19
"""


def test_wrk_report_is_parsed_with_units() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert (result.requests, result.rps, result.errors) == (120163, 40049.19, 7)
    assert (result.p50_ms, result.p90_ms, result.p99_ms) == pytest.approx((0.837, 1.02, 3200))
    assert result.max_ms == pytest.approx(3.19)  # the Max column, not the average beside it
    # Without the thread table the longest wait is unknown, not read off "Latency Distribution".
    assert parse_wrk(WRK_OUTPUT.replace("    Latency   407.66us", "    Lat")).max_ms is None
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse_wrk("garbage")


def test_bench_summary_ratios_and_table() -> None:
    from bench.edge_bench import Round, summarize, table
    from bench.wrk import WrkResult

    def rnd(rps: float, p50: float, cpu: float | None) -> Round:
        return Round(WrkResult(int(rps * 3), rps, p50, p50 * 2, p50 * 4, 0), cpu)

    # Three alternating rounds each; the middle round and the median of the paired ratios count.
    hits = {"edge": [rnd(20000, 1.0, 2.0), rnd(22000, 1.0, 2.0), rnd(10000, 1.0, 2.0)],
            "nginx": [rnd(40000, 0.5, 3.0), rnd(44000, 0.5, 3.0), rnd(40000, 0.5, 3.0)],
            "edge, every head different": [rnd(15000, 1.2, 2.0)] * 3,
            "edge, no access log": [rnd(25000, 0.8, 2.0)] * 3}
    misses = {"origin": [rnd(2000, 0.4, None), rnd(2000, 0.5, None), rnd(2000, 0.3, None)],
              "edge": [rnd(1000, 0.9, None), rnd(1000, 1.1, None), rnd(1000, 0.7, None)],
              "nginx": [rnd(1500, 0.6, None), rnd(1500, 0.7, None), rnd(1500, 0.5, None)]}
    result = summarize({"nproc": "2"}, hits, misses)
    # Per core: edge 30,000 / 33,000 / 15,000 against nginx 40,000 / 44,000 / 40,000: the
    # paired ratios are 0.75, 0.75, 0.375; their median 0.75, a spread of 0.375-0.75.
    assert result["hit_ratio_vs_nginx"] == 0.75 and result["hit_target_met"]
    assert result["hit_ratio_vs_nginx_spread"] == [0.375, 0.75]
    assert result["hits"]["edge"]["per_core_rps"] == 30000 and result["hits"]["edge"]["rounds"] == 3
    # Misses: edge - origin per round 0.5, 0.6, 0.4: median 0.5.
    assert result["miss_added_p50_ms"] == 0.5 and result["miss_added_p50_ms_spread"] == [0.4, 0.6]
    assert not result["miss_target_met"]  # #17: <= 0.3 ms
    # nginx - origin per round 0.2, 0.2, 0.2
    assert result["nginx_miss_added_p50_ms"] == 0.2 and result["nginx_miss_added_p50_ms_spread"] == [0.2, 0.2]
    text = table(result)
    assert "**+0.50 ms** (rounds +0.40 to +0.60) (target <= 0.3 ms: NOT met)" in text
    assert "nginx miss p50 - origin p50, the same requests: **+0.20 ms**" in text
    assert "| hit | edge | 20,000 | 30,000 (15,000-33,000) |" in text and "**0.75x** (rounds 0.38-0.75)" in text
    # The log: 1/30,000 - 1/37,500 s a hit is 6.67 us; 1/33,000 - 1/37,500 3.64; 1/15,000 -
    # 1/37,500 40 us. Median 6.67 us, 20 % of the logged hit's CPU (1 - 30,000/37,500).
    assert result["log_cost_us"] == 6.67 and result["log_cost_us_spread"] == [3.64, 40.0]
    assert result["log_cost_share"] == 0.2 and "**6.67 us** (rounds 3.64 to 40.00), 20% of" in text


def test_scale_table_gives_the_longest_wait_of_each_servers_viewers() -> None:
    from bench.scale_bench import _summary, summarize, table
    from bench.wrk import WrkResult

    def rounds(p99: float, longest: list[float | None]) -> list[tuple[WrkResult, float | None]]:
        return [(WrkResult(30000, 10000.0, 0.4, 0.6, p99, 0, m), 1.0) for m in longest]

    def case(objects: int, connections: int, edge: list[float | None], nginx: list[float | None]) -> dict:
        return {"objects": objects, "connections": connections, "edge_blocks_over_1ms": 1,
                "edge": _summary(rounds(0.8, edge)), "nginx": _summary(rounds(0.5, nginx)),
                "ratio": 1.0, "ratio_spread": [1.0, 1.0]}

    cases = {"1/32": case(1, 32, [3.19, 4.78, 2.0], [5.11, 5.33, 5.22]),
             "10000/32": case(10_000, 32, [6.0, 1.0, 1.0], [2.0, 2.0, 2.0]),
             "1/1024": case(1, 1024, [28.5, 24.6, 28.5], [17.0, 16.9, 16.1])}
    loop = {"longest_block_ms": 5.5, "longest_block_in": "viewer", "blocks_over_1ms": 33, "gc": {},
            "gc_freezes": 0, "gc_frozen_objects": 0, "idle_collections": 0, "idle_collection_longest_ms": 0.0}
    failover = {name: _summary(rounds(1.0, [1.0] * 3)) for name in ("edge", "nginx")}
    result = summarize({"nproc": "2"}, cases, {}, loop, failover)
    text = table(result)
    # Each row: the longest of its rounds; the line: the longest over the c32 cases (c1,024's
    # waits are the queue of 1,024 connections, not a stall).
    assert "| 0.80; 0.80 | 4.8 | 0 |" in text and "| 0.50; 0.50 | 5.3 | 0 |" in text
    assert "the longest any viewer waited for a hit at c32 (wrk's Max): edge 6.0 ms, nginx 5.3 ms" in text
    # A wrk without the thread table: no figure, and no line built on one.
    cases = {"1/32": case(1, 32, [None] * 3, [None] * 3)}
    text = table(summarize({"nproc": "2"}, cases, {}, loop, failover))
    assert "| 0.80; 0.80 | - | 0 |" in text and "longest any viewer waited" not in text


# perf script's own shape: a sample's line ends in a space, its frames are tab-indented.
PERF_SCRIPT = """100 10.000100: 
\tffffffff82261179 _raw_spin_unlock_irqrestore
\tffffffff81eba54e net_rx_action
\tffffffff813697dd handle_softirqs
\t          f838f __GI___libc_write

100 10.000600: 
\tffffffff8224d146 do_syscall_64
\t          f838f __GI___libc_write

101 10.000700: 
\t          5d1e0 _PyEval_EvalFrameDefault

100 10.000900: 
\t          5d1e0 _PyEval_EvalFrameDefault

100 10.003000: 
\t          5d1e0 _PyEval_EvalFrameDefault
"""


def test_block_profile_splits_a_block_by_what_the_loop_thread_did() -> None:
    from bench.block_profile import attribute, read_samples

    samples = read_samples(PERF_SCRIPT.splitlines())
    assert [(s.tid, s.kernel) for s in samples] == [(100, True), (100, True), (101, False), (100, False),
                                                    (100, False)]
    assert samples[0].frames[:2] == ("_raw_spin_unlock_irqrestore", "net_rx_action")
    # A 2.5 ms block from 10.000: at 4,000 samples a second 10 would cover it; the thread's
    # three inside it (101's is another thread, 10.003 is after it) are one each of softirq,
    # other kernel and user, and the other seven tenths it was off the core.
    got = attribute({"at": 10.0, "ms": 2.5, "in": "viewer"}, samples, tid=100, hz=4000)
    assert got["samples"] == 3
    assert (got["softirq"], got["kernel"], got["user"], got["off_core"]) == (0.1, 0.1, 0.1, 0.7)
