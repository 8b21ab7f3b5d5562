"""Fault windows, events.jsonl lines and the progress line: pure logic and one small file."""

from __future__ import annotations

import json
from pathlib import Path

from scenarios.run.events import EventLog, FaultWindows
from scenarios.run.progress import RequestsTail, count_rows, progress_line, tally
from scenarios.run.report import summary_lines
from scenarios.spec.window import Row


def test_windows_open_and_close_per_target() -> None:
    w = FaultWindows()
    assert w.edge("kill", "primary") == {"fault_id": 0, "fault_edge": "start"}
    assert w.edge("fault", "secondary") == {"fault_id": 1, "fault_edge": "start"}
    assert w.edge("clear", "secondary") == {"fault_id": 1, "fault_edge": "end"}
    assert w.edge("restart", "primary") == {"fault_id": 0, "fault_edge": "end"}
    assert w.edge("clear", "primary") == {}  # nothing open: no edge
    assert w.edge("pause", "primary") == {"fault_id": 2, "fault_edge": "start"}


def test_event_log_lines(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    log.record("run-start", ts=100.0)
    log.load_start = 101.0
    log.record("load-start", ts=101.0)
    log.step("kill", "primary", {"pid": 5}, ok=True)
    assert log.open_windows() == "fault 0 on primary (kill)"
    log.step("restart", "primary", {}, ok=False)  # a failed step closes nothing
    assert log.open_windows() == "fault 0 on primary (kill)"
    log.close()
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [e["kind"] for e in events] == ["run-start", "load-start", "kill", "restart"]
    assert events[0]["t"] is None and events[1]["t"] == 0.0
    assert events[2]["fault_id"] == 0 and events[2]["fault_edge"] == "start" and events[2]["t"] > 0
    assert "fault_id" not in events[3] and events[3]["ok"] is False


def test_requests_tail_keeps_partial_lines(tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    tail = RequestsTail(path)
    assert tail.read().rows == 0  # no file yet
    header = "ts,latency_ms,method,name,status,ok,bytes,x_cache,origin,pop,user,error\n"
    path.write_text(header + "1,2,GET,/s,200,1,10,Hit,p,,Viewer,\n1,2,GET,/s,200,1,10,Mi")
    window = tail.read()
    assert (window.rows, window.hits, window.misses) == (1, 1, 0)
    with open(path, "a") as f:
        f.write("ss,p,,Viewer,\n1,2,GET,/a,0,0,0,,,,Probe,refused\n")
    window = tail.read()
    assert (window.rows, window.misses, window.errors, window.hit_ratio) == (2, 1, 1, 0.0)
    assert (tail.total_rows, tail.total_errors) == (3, 1)


def test_count_rows_and_line() -> None:
    assert count_rows(["garbage", ""]).rows == 0
    rows = [Row(1.0, 2.0, True, "Hit", "primary"), Row(1.1, 9.0, True, "Miss", "secondary"),
            Row(1.2, 9.0, True, "Miss", "secondary"), Row(1.3, 5.0, False, "Error", ""),
            Row(1.4, 9.0, True, "Miss", "tertiary")]
    counts = tally(rows)
    assert (counts.requests, counts.hits, counts.misses, counts.errors) == (5, 1, 3, 1)
    line = progress_line(21, 60, "fault 0 on primary (kill)", counts, 3, ("primary", "secondary"))
    assert line == ("[21/60 s] fault 0 on primary (kill) | 5 req/s | hit 0.25 | misses served by "
                    "primary 0, secondary 2, tertiary 1 | errors 1 (3 so far)")
    assert progress_line(1, 60, "", tally([]), 0) == (
        "[ 1/60 s] steady | 0 req/s | hit - | misses served by - | errors 0 (0 so far)")


def test_state_during_a_second(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    log.load_start = 100.0
    log.step("fault", "primary", {"type": "status", "probability": 0.3}, ok=True)
    opened = log.states[-1][0]
    assert log.state_during(opened - 0.5, opened + 0.5).startswith(
        "steady -> fault 0 on primary (status, 30 % of requests) at ")
    assert log.state_during(opened + 1, opened + 2) == "fault 0 on primary (status, 30 % of requests)"
    assert log.state_during(opened - 2, opened - 1) == ""
    log.close()


def test_summary_lines() -> None:
    summary = {"requests": 10, "hit_ratio": 0.8, "errors": 0,
               "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0},
               "status": "completed",
               "faults": [{"id": 0, "kind": "kill", "target": "primary", "detail": "",
                           "time_to_failover_s": 0.07, "resolution_s": 0.1, "errors": 0},
                          {"id": 1, "kind": "fault", "target": "primary", "detail": "hang",
                           "time_to_failover_s": None, "resolution_s": 0.1, "errors": 0}],
               "expect": [{"metric": "hit_ratio", "condition": "> 0.7", "value": 0.8, "passed": True},
                          {"metric": "errors", "condition": "== 1", "value": 0, "passed": False,
                           "reason": "0 is not == 1"}]}
    lines = summary_lines(summary, Path("RUN"))
    assert lines == [
        "requests 10 | hit ratio 0.8 | latency p50 1 ms p95 2 ms p99 3 ms | errors 0",
        "fault 0 kill on primary: time to failover < 0.1 s, errors during the fault 0",
        "fault 1 fault on primary (hang): time to failover none within the window, errors during the fault 0",
        "  ✓ hit_ratio > 0.7: value 0.8",
        "  ✗ errors == 1: value 0 (0 is not == 1)",
        "thresholds: 1 of 2 held ✗ FAIL",
        "report: RUN/report.html"]
    assert summary_lines({**summary, "expect": []}, Path("RUN"))[-2] == "thresholds: none set"
    assert summary_lines({**summary, "status": "interrupted"}, Path("RUN"))[-2] == (
        "thresholds: not judged, the run interrupted (1 of 2 held)")


def test_requests_cut_short_by_the_end_count_neither_as_ok_nor_as_errors() -> None:
    # At the end of a run (or a Ctrl-C) Locust's users are stopped mid-request; those rows
    # are kept (nothing is lost) but must not fail the steady-state check after the faults.
    from scenarios.run.progress import count_rows
    from scenarios.spec.window import parse_row

    cut = "1764333000.5,900.0,GET,/api/probe,0,0,0,,,,Probe,Interrupted: the load stopped while this request was in flight"
    done = "1764333000.4,2.0,GET,/static/[obj],200,1,10,Hit,primary,LOC1,Viewer,"
    assert parse_row(cut) is None and parse_row(done) is not None
    window = count_rows([done, cut])
    assert (window.rows, window.errors, window.hits) == (1, 0, 1)
