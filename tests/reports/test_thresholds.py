"""Thresholds: condition and metric-path syntax, evaluation against a summary."""

from __future__ import annotations

import pytest

from reports.errors import ThresholdError
from reports.metrics.thresholds import evaluate, parse_condition, parse_expect, parse_metric_path

SUMMARY = {
    "hit_ratio": 0.8,
    "errors": 0,
    "latency_ms": {"p95": 120.5, "p99": None},
    "faults": [{"time_to_failover_s": 0.42, "time_to_failback_s": None}],
    "edge_log": {"available": False},
}


@pytest.mark.parametrize(("text", "value", "holds"), [
    ("< 1.0", 0.99, True), ("< 1.0", 1.0, False),
    ("<= 5", 5, True), ("<= 5", 5.01, False),
    ("> 0.7", 0.71, True), ("> 0.7", 0.7, False),
    (">= 1", 1, True), (">= 1", 0.999, False),
    ("== 0", 0, True), ("== 0", 1, False),
    ("0.5..2.0", 0.5, True), ("0.5..2.0", 2.0, True), ("0.5..2.0", 2.01, False),
    ("0.5..2.0", 0.49, False), ("  <=  1e3 ", 1000, True), ("-1..1", -0.5, True),
])
def test_condition_holds(text: str, value: float, holds: bool) -> None:
    assert parse_condition(text).holds(value) is holds


@pytest.mark.parametrize(("text", "message"), [
    ("1.0", "bad condition '1.0'"),
    ("=< 5", "bad condition '=< 5'"),
    ("< abc", "bad condition '< abc'"),
    ("2..1", "low end above its high end"),
    ("", "bad condition ''"),
    (5, "condition must be a quoted string"),
    (None, "condition must be a quoted string"),
])
def test_bad_condition_is_one_line(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_condition(text)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("path", "parts"), [
    ("hit_ratio", ("hit_ratio",)),
    ("latency_ms.p95", ("latency_ms", "p95")),
    ("faults[0].time_to_failover_s", ("faults", 0, "time_to_failover_s")),
    ("phases[2].latency_ms.p99", ("phases", 2, "latency_ms", "p99")),
])
def test_metric_path(path: str, parts: tuple[object, ...]) -> None:
    assert parse_metric_path(path) == parts


@pytest.mark.parametrize(("path", "message"), [
    ("hit_ration", "unknown metric 'hit_ration'"),
    ("faults[x].errors", "bad metric path"),
    ("latency_ms..p95", "bad metric path"),
    ("", "non-empty string"),
])
def test_bad_metric_path(path: str, message: str) -> None:
    with pytest.raises(ThresholdError, match=message):
        parse_metric_path(path)


def test_parse_expect_names_the_entry() -> None:
    with pytest.raises(ValueError, match=r"^expect\.hit_ratio: bad condition '> seventy'"):
        parse_expect({"errors": "== 0", "hit_ratio": "> seventy"})
    assert [t.metric for t in parse_expect({"errors": "== 0"})] == ["errors"]
    assert parse_expect(None) == []
    with pytest.raises(ValueError, match="must be a mapping"):
        parse_expect(["hit_ratio"])


@pytest.mark.parametrize(("metric", "condition", "value", "passed", "reason"), [
    ("hit_ratio", "> 0.7", 0.8, True, ""),
    ("hit_ratio", "> 0.9", 0.8, False, "0.8 is not > 0.9"),
    ("errors", "== 0", 0, True, ""),
    ("latency_ms.p95", "0.5..200", 120.5, True, ""),
    ("latency_ms.p99", "< 250", None, False, "metric is null"),
    ("faults[0].time_to_failover_s", "< 1.0", 0.42, True, ""),
    ("faults[0].time_to_failback_s", "< 5", None, False, "metric is null"),
    ("faults[1].errors", "<= 5", None, False, "faults[1] does not exist (this run has 1)"),
    # valid paths that this run does not have (no edge log: a run against a real distribution)
    ("edge_log.failovers", "< 5", None, False, "edge_log.failovers does not exist in this run"),
    ("latency_ms.p50", "< 5", None, False, "latency_ms.p50 does not exist in this run"),
])
def test_evaluate(metric: str, condition: str, value: object, passed: bool, reason: str) -> None:
    [row] = evaluate(SUMMARY, parse_expect({metric: condition}))
    assert row["metric"] == metric
    assert row["condition"] == condition
    assert row["value"] == value
    assert row["passed"] is passed
    assert reason in row["reason"] and (reason or row["reason"] == "")


@pytest.mark.parametrize(("metric", "message"), [
    # once evaluated (and failed) only after a whole run; now refused when the file is read
    ("latency_ms.p999", "unknown metric 'p999' under latency_ms"),
    ("edge_log", "edge_log is not a number"),
    ("faults.errors", "faults is a list: give an index"),
    ("hit_ratio.p95", "hit_ratio is a number: nothing can follow it"),
])
def test_paths_summary_json_cannot_hold_are_refused_when_parsed(metric: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_expect({metric: "< 5"})
