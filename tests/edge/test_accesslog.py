"""Access-log formatting and buffering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.core.viewer_http import parse_head
from edge.pop import accesslog
from edge.pop.accesslog import HAND_OVER_SLICES, AccessLog, log_hit, log_request
from edge.pop.logline import (
    _TEMPLATES,
    FIELDS,
    HEADER,
    RECORD_WIDTH,
    AccessRecord,
    format_lines,
    format_record,
    parse_line,
)


def record(**over: object) -> AccessRecord:
    values: dict[str, object] = dict(
        ts=1_764_333_000.25, edge_location="EMU50-C1", sc_bytes=1500, c_ip="127.0.0.1",
        method="GET", host="d.test", uri_stem="/static/a", status=200, referer=None,
        user_agent="Mozilla/5.0 (X11)", uri_query="", cookie=None, result_type="Miss",
        request_id="abc==", host_header="d.test", protocol="http", cs_bytes=120,
        time_taken=0.0123, forwarded_for=None, ssl_protocol=None, ssl_cipher=None,
        response_result_type="Miss", protocol_version="HTTP/1.1", fle_status=None,
        fle_encrypted_fields=None, c_port=50000, time_to_first_byte=0.011,
        detailed_result_type="Miss", content_type="text/plain", content_len=1024,
        range_start=None, range_end=None, origin_attempts="primary:503|secondary:200",
        failover_reason="status-503")
    values.update(over)
    return AccessRecord(**values)  # type: ignore[arg-type]


def test_fields_are_cloudfront_33_then_emulator_3() -> None:
    assert len(FIELDS) == 36
    assert FIELDS[:3] == ("date", "time", "x-edge-location")
    assert FIELDS[28] == "x-edge-detailed-result-type" and FIELDS[32] == "sc-range-end"
    assert FIELDS[33:] == ("x-origin-attempts", "x-failover-reason", "x-edge-code-ms")


def test_format_record() -> None:
    line = format_record(record())
    fields = parse_line(line)
    assert len(line.split("\t")) == 36
    assert fields["date"] == "2025-11-28" and fields["time"] == "12:30:00"
    assert fields["cs(User-Agent)"] == "Mozilla/5.0%20(X11)"   # spaces URL-encoded
    assert fields["cs-uri-query"] == "-" and fields["cs(Referer)"] == "-"
    assert fields["time-taken"] == "0.012"
    assert fields["x-origin-attempts"] == "primary:503|secondary:200"
    assert fields["x-failover-reason"] == "status-503"
    assert fields["x-edge-code-ms"] == "-"  # no edge code ran


TEXT = st.one_of(st.none(), st.sampled_from(["", "-", "a b", "x\ty", "100%", "/p?q=1", "é"]))
TIME = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(records=st.lists(st.fixed_dictionaries({
    "ts": st.floats(min_value=1e9, max_value=2e9), "sc_bytes": st.integers(0, 10**6),
    "request_id": st.sampled_from(["a==", "b=="]), "time_taken": TIME, "c_port": st.integers(1, 65535),
    "time_to_first_byte": TIME, "edge_code_ms": st.one_of(st.none(), TIME),
    "uri_stem": st.sampled_from(["/a", "/b c", "/%41"]), "user_agent": TEXT, "referer": TEXT, "cookie": TEXT, "uri_query": TEXT, "origin_attempts": TEXT,
    "ssl_protocol": TEXT, "status": st.sampled_from([200, 304, 502]), "content_len": st.one_of(st.none(), st.integers(0, 9)),
}), min_size=1, max_size=6), same_time=st.booleans())
def test_lines_from_templates_are_the_lines_format_record_writes(
        records: list[dict[str, object]], same_time: bool) -> None:
    # The varying fields filled into a kept template, or the line formatted whole: the same text.
    if same_time:  # time to first byte equal to time taken, written once
        for r in records:
            r["time_to_first_byte"] = r["time_taken"]
    made = [record(**r) for r in records]
    flat = [value for r in made for value in r]
    assert len(flat) == RECORD_WIDTH * len(made)
    expected = "".join(format_record(r) + "\n" for r in made)
    assert format_lines(flat, 0, len(flat)) == expected
    assert format_lines(flat, 0, len(flat)) == expected  # again, from the kept templates
    assert len(_TEMPLATES) >= 1


def test_a_record_of_the_wrong_width_is_refused_before_it_shifts_the_log(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path / "edge.log"))
    try:
        log.add(tuple(record()))
        try:
            log.add(tuple(record())[:-1])
        except ValueError as error:
            assert "34 values, not 35" in str(error)
        else:
            raise AssertionError("a short record was taken")
        log.flush()
    finally:
        asyncio.run(log.close())
    lines = [x for x in (tmp_path / "edge.log").read_text().splitlines() if not x.startswith("#")]
    assert lines == [format_record(record())]


def test_a_value_that_cannot_be_kept_still_gets_its_line() -> None:
    odd = record(origin_attempts=["primary:503"])  # a list: no template key
    flat = list(odd)
    assert format_lines(flat, 0, len(flat)) == format_record(odd) + "\n"


def test_buffered_until_flush_and_on_close(tmp_path: Path) -> None:
    path = tmp_path / "edge.log"

    async def run() -> tuple[str, str]:
        log = AccessLog(str(path), flush_interval=0.05)
        log.start()
        log.add(record())
        before = path.read_text()
        for _ in range(100):  # the background flush runs within a few intervals
            await asyncio.sleep(0.05)
            if path.read_text() != before:
                break
        log.add(record(status=503))
        await log.close()
        return before, path.read_text()

    before, after = asyncio.run(run())
    assert before == HEADER                      # nothing written on the request path
    lines = after.splitlines()
    assert lines[:2] == HEADER.splitlines()
    assert [parse_line(x)["sc-status"] for x in lines[2:]] == ["200", "503"]


def test_slices_written_by_the_writer_thread_keep_their_order_through_close(tmp_path: Path) -> None:
    # Nine records in slices of two: four slices formatted and handed to the writer thread
    # as they fill, the ninth waiting in the part-filled one until close(): every record is
    # written once, in the order the requests came.
    path = tmp_path / "edge.log"

    async def run() -> int:
        log = AccessLog(str(path), flush_interval=3600, slice_records=2)
        log.start()
        for n in range(9):
            log.add(record(sc_bytes=n))
        waiting = log.waiting
        await asyncio.sleep(0)
        log.add(record(sc_bytes=9))  # a request answered meanwhile
        await log.close()
        return waiting

    assert asyncio.run(run()) == 1
    lines = path.read_text().splitlines()[2:]
    assert [parse_line(x)["sc-bytes"] for x in lines] == [str(n) for n in range(10)]


def test_formatting_keeps_pace_with_the_records_at_any_rate(tmp_path: Path) -> None:
    # 10,000 records with no turn of the event loop at all (a crowded loop under 1,024
    # connections serves tens of thousands of requests a turn): never more than one slice
    # waits to be formatted, and the lines go to the file without the loop.
    path = tmp_path / "edge.log"
    log = AccessLog(str(path), flush_interval=3600, slice_records=100)
    most_waiting = most_held = 0
    for n in range(10_000):
        log.add(record(sc_bytes=n))
        most_waiting, most_held = max(most_waiting, log.waiting), max(most_held, log.held)
    assert (most_waiting, most_held) == (99, HAND_OVER_SLICES - 1)
    assert log._last_write is not None
    log._last_write.result()  # the writer thread wrote every slice handed over
    handed = 10_000 - log.held * 100
    lines = path.read_text().splitlines()[2:]
    assert [parse_line(x)["sc-bytes"] for x in lines] == [str(n) for n in range(handed)]
    asyncio.run(log.close())
    lines = path.read_text().splitlines()[2:]
    assert [parse_line(x)["sc-bytes"] for x in lines] == [str(n) for n in range(10_000)]


def test_a_write_that_fails_is_raised_by_the_next_flush(tmp_path: Path) -> None:
    path = tmp_path / "edge.log"
    log = AccessLog(str(path), flush_interval=3600, slice_records=1)
    assert log._file is not None
    log._file.close()  # every write from now on fails
    log.add(record())
    with pytest.raises(ValueError, match="closed file"):
        log.flush()
    log._file = None  # closed already
    asyncio.run(log.close())


def test_a_record_of_the_wrong_width_is_refused_and_shifts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "edge.log"
    log = AccessLog(str(path), flush_interval=3600, slice_records=4)
    log.add(record(sc_bytes=1))
    with pytest.raises(ValueError, match="values, not"):
        log.add(record()[:-1])
    log.add(record(sc_bytes=2))
    asyncio.run(log.close())
    assert [parse_line(x)["sc-bytes"] for x in path.read_text().splitlines()[2:]] == ["1", "2"]


HEAD_TEXT = st.sampled_from(["", "Mozilla/5.0 (X11)", "a\tb", "100%", "é", "x y"])


@given(hits=st.lists(st.fixed_dictionaries({
    "path": st.sampled_from(["/static/a", "/static/b?x=1", "/static/%41"]),
    "agent": HEAD_TEXT, "referer": HEAD_TEXT, "cookie": HEAD_TEXT,
    "peer": st.sampled_from([("127.0.0.1", 50000), ("127.0.0.2", 61000)]),
    "tls": st.sampled_from([None, ("TLSv1.3", "TLS_AES_128_GCM_SHA256")]),
    "status": st.sampled_from([200, 304]), "word": st.sampled_from(["Hit", "RefreshHit", "Error"]),
    "content_type": st.sampled_from([None, "text/html", "text/html;\tcharset=utf-8"]),
    "content_len": st.integers(0, 5000), "sc_bytes": st.integers(0, 10**6),
    "taken": st.floats(0, 2), "code_ms": st.sampled_from([0.0, 0.25]),
}), min_size=1, max_size=8))
def test_a_hit_logged_from_its_heads_parts_is_the_line_of_a_whole_record(
        hits: list[dict[str, object]], tmp_path_factory: pytest.TempPathFactory) -> None:
    # log_hit keeps six values and the parts of the line made once for a head seen before;
    # log_request keeps the whole record: the lines are the same, whatever the head holds,
    # TLS or not, edge code or not (then the whole record), or a content type with a tab
    # (no parts: the whole record).
    directory = tmp_path_factory.mktemp("hits")
    fast, whole = AccessLog(str(directory / "fast.log")), AccessLog(str(directory / "whole.log"))
    for hit in hits:
        head = (f"GET {hit['path']} HTTP/1.1\r\nHost: d.test\r\nUser-Agent: {hit['agent']}\r\n"
                f"Referer: {hit['referer']}\r\nCookie: {hit['cookie']}").encode()
        for _ in range(3):  # the third time, from the memo of heads seen twice
            request = parse_head(head)
        assert request.block_key == head.partition(b"\r\n")[2]
        request.peer, request.tls, request.code_ms = hit["peer"], hit["tls"], hit["code_ms"]  # type: ignore[assignment]
        common: dict[str, Any] = dict(
            status=hit["status"], request_id="req==", sc_bytes=hit["sc_bytes"], now=1_764_333_000.5,
            started=time.monotonic() - float(hit["taken"]),  # type: ignore[arg-type]
            content_type=hit["content_type"], content_len=hit["content_len"])
        log_hit(fast, "EMU50-C1", request, word=hit["word"], **common)  # type: ignore[arg-type]
        log_request(whole, "EMU50-C1", request, result=hit["word"], detailed=hit["word"],  # type: ignore[arg-type]
                    response_result=hit["word"], outcome=None, **common)
    asyncio.run(fast.close())
    asyncio.run(whole.close())
    got, want = (directory / "fast.log").read_text(), (directory / "whole.log").read_text()
    # time-taken and time-to-first-byte are read from the clock a moment apart: compare the rest
    def fixed(text: str) -> list[list[str]]:
        return [[v for i, v in enumerate(line.split("\t")) if FIELDS[i] not in ("time-taken", "time-to-first-byte")]
                for line in text.splitlines()[2:]]
    assert fixed(got) == fixed(want) and len(fixed(got)) == len(hits)
    for line in got.splitlines()[2:]:
        fields = parse_line(line)
        assert fields["time-taken"] == fields["time-to-first-byte"]


def test_hits_for_many_objects_under_one_header_block_share_parts_and_keep_their_paths(
        hit_log: AccessLog, tmp_path: Path) -> None:
    # 200,000 objects at random: every head is new, its headers are not. The hits share one
    # key (per head size) and each line still names its own object and query.
    whole = AccessLog(str(tmp_path / "whole.log"))
    paths = [f"/o/{i:03d}" for i in range(300)] + [f"/o/{i:03d}?v={i % 10}" for i in range(300)]
    for path in paths:
        request = parse_head(f"GET {path} HTTP/1.1\r\nHost: d.test\r\nUser-Agent: walker".encode())
        request.peer = ("127.0.0.1", 50000)
        log_hit(hit_log, "EMU50-C1", request, **HIT)
        log_request(whole, "EMU50-C1", request, result="Hit", detailed="Hit", response_result="Hit",
                    outcome=None, **{k: v for k, v in HIT.items() if k != "word"})
    kept = [key for key, parts in accesslog._HIT_PARTS._values.items() if parts is not accesslog._ONCE]
    assert len(kept) == 2  # one a head size: with the query and without
    asyncio.run(hit_log.close())
    asyncio.run(whole.close())
    got, want = ((tmp_path / name).read_text().splitlines()[2:] for name in ("a.log", "whole.log"))
    assert [parse_line(line)["cs-uri-stem"] + "?" + parse_line(line)["cs-uri-query"] for line in got] == [
        path if "?" in path else path + "?-" for path in paths]
    timeless = [i for i, name in enumerate(FIELDS) if name not in ("time-taken", "time-to-first-byte")]
    assert [[line.split("\t")[i] for i in timeless] for line in got] == [
        [line.split("\t")[i] for i in timeless] for line in want]


def test_a_head_that_edge_code_rewrote_is_not_taken_for_its_bytes() -> None:
    head = b"GET /a HTTP/1.1\r\nHost: d.test"
    for _ in range(3):
        request = parse_head(head)
    assert request.block_key == b"Host: d.test"
    request.replace_head("/b", (("Host", "d.test"), ("X-Added", "1")))
    assert request.block_key is None  # log_hit then keeps the whole record, with the new headers


def _seen_heads(count: int, prefix: str) -> list[Any]:
    """Requests for ``count`` heads of as many header blocks, each parsed three times: from the
    memo of heads, so each carries its block's bytes (``block_key``) as a hit does."""
    requests = []
    for i in range(count):
        head = f"GET /{prefix} HTTP/1.1\r\nHost: d.test\r\nX-Viewer: {i}".encode()
        for _ in range(3):
            request = parse_head(head)
        assert request.block_key == head.partition(b"\r\n")[2]
        request.peer = ("127.0.0.1", 50000)
        requests.append(request)
    return requests


HIT: dict[str, Any] = dict(status=200, word="Hit", request_id="r==", sc_bytes=1100, now=1_764_333_000.0,
                           started=0.0, content_type="text/plain", content_len=1024)


@pytest.fixture
def hit_log(tmp_path: Path) -> Iterator[AccessLog]:
    """A log to write hits to, with the memo of hits' parts empty and its credit whole."""
    accesslog._HIT_PARTS.clear()
    accesslog._credit = accesslog.CREDIT_START
    log = AccessLog(str(tmp_path / "a.log"))
    yield log
    asyncio.run(log.close())


def test_the_memo_of_hit_parts_takes_new_keys_only_while_it_pays_back(hit_log: AccessLog, tmp_path: Path) -> None:
    # Under 200,000 objects at random most keys come once: the memo stops marking new ones
    # once its credit is spent, and marks one more for each hit it serves.
    log, common = hit_log, HIT
    once = _seen_heads(accesslog.CREDIT_START + 300, "once")
    for request in once:
        log_hit(log, "EMU50-C1", request, **common)
    assert len(accesslog._HIT_PARTS) == accesslog.CREDIT_START  # the last 300 were not marked
    assert accesslog._credit == 0
    for _ in range(2):  # a marked key's second time makes its parts, its third is served from them
        log_hit(log, "EMU50-C1", once[0], **common)
    assert accesslog._credit == 1
    log_hit(log, "EMU50-C1", once[-1], **common)  # spends what the served hit earned
    assert accesslog._credit == 0 and len(accesslog._HIT_PARTS) == accesslog.CREDIT_START + 1
    asyncio.run(log.close())  # closing twice (the fixture's) is harmless
    lines = (tmp_path / "a.log").read_text().splitlines()[2:]
    assert len(lines) == len(once) + 3 and all(len(line.split("\t")) == len(FIELDS) for line in lines)


def test_the_memo_of_hit_parts_comes_to_hold_a_working_set_larger_than_its_credit(hit_log: AccessLog) -> None:
    log, common = hit_log, HIT
    working = _seen_heads(accesslog.CREDIT_START + 1000, "set")
    served = []
    for _ in range(5):  # each round asks for every key once
        for request in working:
            log_hit(log, "EMU50-C1", request, **common)
        served.append(sum(type(accesslog._HIT_PARTS.get(key)) is tuple and
                          accesslog._HIT_PARTS.get(key) is not accesslog._ONCE
                          for key in accesslog._HIT_PARTS._values))
    # rounds 1-2 mark and then make parts for the first CREDIT_START keys; round 3's hits
    # earn the credit that marks the other 1,000, whose parts round 4 makes
    assert served == [0, accesslog.CREDIT_START, accesslog.CREDIT_START, len(working), len(working)]
