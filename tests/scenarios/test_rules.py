"""Sliding-window metrics, abort rules and steady-state checks: pure, with made-up rows."""

from __future__ import annotations

import pytest

from reports.metrics.thresholds import parse_condition
from scenarios.spec.rules import FLUSH_LAG_S, AbortRule, SteadyState, WindowCheck
from scenarios.spec.window import Row, SlidingWindow, metrics_of, parse_row


def window_of(rows: list[tuple[float, float, bool]], horizon: float = 60) -> SlidingWindow:
    window = SlidingWindow(horizon)
    for ts, latency, ok in rows:
        window.add(Row(ts, latency, ok))
    return window


def test_parse_row() -> None:
    assert parse_row("12.5,3.25,GET,/static/[obj],200,1,1024,Hit,primary,P,Viewer,") == Row(
        12.5, 3.25, True, "Hit", "primary")
    assert parse_row("12.5,,GET,/api/probe,0,0,0,,,,Probe,refused") == Row(12.5, 0.0, False)
    assert parse_row("ts,latency_ms,method,name,status,ok,bytes,x_cache,origin,pop,user,error") is None
    assert parse_row("garbage") is None


def test_metrics_of_rows() -> None:
    rows = [Row(float(i), float(i + 1), i % 10 != 0) for i in range(100)]  # 10 errors, latency 1..100
    values = metrics_of(rows, span_s=10)
    assert values["requests"] == 100 and values["requests_per_s"] == 10
    assert values["error_ratio"] == pytest.approx(0.1) and values["success_ratio"] == pytest.approx(0.9)
    assert (values["latency_ms.p50"], values["latency_ms.p95"], values["latency_ms.p99"]) == (50, 95, 99)
    assert values["latency_ms.max"] == 100
    empty = metrics_of([], span_s=10)
    assert empty["requests"] == 0 and empty["error_ratio"] is None and empty["latency_ms.p95"] is None


def test_sliding_window_forgets_old_rows() -> None:
    window = window_of([(t, 1.0, True) for t in range(0, 100)], horizon=10)
    assert min(r.ts for r in window.rows) == 89  # newest 99, horizon 10 s
    assert len(window.between(95, 99)) == 4
    assert window.metrics(90, 100)["requests_per_s"] == 1.0


ERRORS = AbortRule(WindowCheck("error_ratio", parse_condition("> 0.5")), window_s=10, min_requests=20)


@pytest.mark.parametrize(("rows", "now", "fires"), [
    # 30 requests in the window, 20 failed: 0.67 > 0.5
    ([(90 + i / 3, 5.0, i % 3 == 0) for i in range(30)], 100 + FLUSH_LAG_S, True),
    # the same share of errors in only 15 requests: not enough to judge
    ([(90 + i / 1.5, 5.0, i % 3 == 0) for i in range(15)], 100 + FLUSH_LAG_S, False),
    # 30 requests, 10 failed: 0.33 is not > 0.5
    ([(90 + i / 3, 5.0, i % 3 != 0) for i in range(30)], 100 + FLUSH_LAG_S, False),
    # the failures are older than the window
    ([(70 + i / 3, 5.0, i % 3 == 0) for i in range(30)] + [(95 + i / 10, 1.0, True) for i in range(30)],
     100 + FLUSH_LAG_S, False),
])
def test_abort_rule(rows: list[tuple[float, float, bool]], now: float, fires: bool) -> None:
    reason = ERRORS.triggered(window_of(rows), now)
    assert (reason is not None) == fires
    if fires:
        assert reason == "error_ratio over the last 10 s was 0.6667 (> 0.5)"


def test_abort_rule_on_latency() -> None:
    rule = AbortRule(WindowCheck("latency_ms.p95", parse_condition("> 1000")), window_s=5, min_requests=3)
    slow = window_of([(96 + i / 10, 2000.0, True) for i in range(10)])
    assert rule.triggered(slow, 100 + FLUSH_LAG_S) == "latency_ms.p95 over the last 5 s was 2000 (> 1000)"
    assert repr(rule) == "AbortRule(latency_ms.p95 > 1000 over 5 s, at least 3 requests)"


def test_steady_state() -> None:
    steady = SteadyState(success_ratio=0.99, window_s=5, min_requests=10,
                         checks=(WindowCheck("latency_ms.p95", parse_condition("< 250")),))
    healthy = metrics_of([Row(float(i), 10.0, True) for i in range(100)], 5)
    assert steady.failures(healthy) == []
    sick = metrics_of([Row(float(i), 300.0, i % 20 != 0) for i in range(100)], 5)
    assert steady.failures(sick) == ["success ratio 0.95 is below 0.99", "latency_ms.p95 300 is not < 250"]
    assert steady.failures(metrics_of([Row(1.0, 1.0, True)] * 3, 5)) == [
        "only 3 requests in the window (at least 10 needed)"]
    assert repr(steady) == "SteadyState(success ratio >= 0.99 over 5 s, latency_ms.p95 < 250)"


def test_watch_reads_appended_rows(tmp_path) -> None:
    from scenarios.run.watch import Watch

    path = tmp_path / "requests.csv"
    steady = SteadyState(success_ratio=0.9, window_s=5, min_requests=5)
    watch = Watch(path, steady, (ERRORS,))
    header = "ts,latency_ms,method,name,status,ok,bytes,x_cache,origin,pop,user,error\n"
    ok = "".join(f"{100 + i / 10:.1f},2.0,GET,/static/[obj],200,1,1024,Hit,primary,P,Viewer,\n" for i in range(50))
    path.write_text(header + ok + "105.0,3.0,GET,/api/probe,0,0,0,,,,Probe,refu")  # the last row is partial
    window = watch.poll()
    assert (window.rows, window.hits, window.errors) == (50, 50, 0)
    before = watch.check_steady("before", 100, 105)
    assert before.ok and before.values["requests"] == 50
    assert before.line() == "steady state before the faults holds"
    with open(path, "a") as f:
        f.write("sed\n" + "".join(f"{105 + i / 10:.1f},3.0,GET,/api/probe,0,0,0,,,,Probe,refused\n"
                                  for i in range(1, 30)))
    assert watch.poll().errors == 30
    after = watch.check_steady("after", 104, 108)
    assert not after.ok and after.problems[0].startswith("success ratio 0.")
    assert after.params(load_start=100)["from_t"] == 4.0
    # rows sent in [103, 113): 20 good, 30 failed: 0.6 > 0.5
    assert ERRORS.triggered(watch.window, now=113 + FLUSH_LAG_S) == "error_ratio over the last 10 s was 0.6 (> 0.5)"
