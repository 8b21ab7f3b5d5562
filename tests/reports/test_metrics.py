"""Metrics of the synthetic run (see synth.py), checked against numbers worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from reports.build import summarize
from reports.metrics import failover
from reports.metrics import overall as metrics
from reports.read.load import FaultWindow, read_run
from tests.reports import synth


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return summarize(read_run(synth.make_run(tmp_path_factory.mktemp("run"))))


def test_totals(summary: dict) -> None:
    assert summary["scenario"] == "primary-killed"
    assert summary["status"] == "completed"
    assert summary["duration_s"] == 30.0
    assert summary["requests"] == 600
    assert summary["errors"] == 3
    assert summary["error_ratio"] == 0.005
    assert summary["requests_per_s"] == 20.0
    # 300 hits / (300 hits + 297 successful misses); the 3 errors stay out.
    assert summary["hit_ratio"] == round(300 / 597, 6)


def test_latency_from_raw_rows(summary: dict) -> None:
    # Sorted: 300 x 2 ms, 3 x 5 ms, 200 x 10 ms, 97 x 30 ms. p50 sits between
    # row 299 (2) and row 300 (5): 3.5 by linear interpolation.
    assert summary["latency_ms"] == {"p50": 3.5, "p90": 30.0, "p95": 30.0, "p99": 30.0, "max": 30.0}
    assert summary["latency_ms_by_cache"]["hit"]["p50"] == 2.0
    # 297 misses: 200 x 10 then 97 x 30; the median is a 10.
    assert summary["latency_ms_by_cache"]["miss"] == {
        "p50": 10.0, "p90": 30.0, "p95": 30.0, "p99": 30.0, "max": 30.0}


def test_by_origin(summary: dict) -> None:
    primary, secondary = summary["by_origin"]["primary"], summary["by_origin"]["secondary"]
    assert (primary["requests"], secondary["requests"]) == (500, 97)
    assert primary["share"] == round(500 / 597, 6)
    assert secondary["latency_ms"]["p50"] == 30.0
    # Misses apart: 200 + 100 probes on the primary, 97 on the secondary; hits name no one serving.
    assert (primary["misses"], secondary["misses"]) == (200, 97)
    assert secondary["miss_share"] == round(97 / 297, 6)


def test_phases(summary: dict) -> None:
    names = [p["name"] for p in summary["phases"]]
    assert names == ["before", "during #0", "after #0"]
    before, during, after = summary["phases"]
    assert (before["t_start"], before["t_end"], before["requests"], before["errors"]) == (0.0, 10.0, 200, 0)
    assert (during["t_start"], during["t_end"], during["requests"], during["errors"]) == (10.0, 20.0, 200, 3)
    assert during["hit_ratio"] == round(100 / 197, 6)
    assert (after["t_end"], after["requests"], after["latency_ms"]["p99"]) == (30.0, 200, 10.0)
    # Split by cache result and origin: during the fault the 97 successful misses are the
    # secondary's (30 ms); hits (2 ms, cached from the primary) are untouched.
    assert during["latency_ms_by_cache"]["hit"]["p95"] == 2.0
    assert during["latency_ms_by_cache"]["miss"]["p50"] == 30.0
    assert before["latency_ms_by_cache"]["miss"]["p50"] == 10.0
    assert {k: v["requests"] for k, v in during["by_origin"].items()} == {"primary": 100, "secondary": 97}
    # ... but the primary served no miss during it: its 100 are hits cached before the fault.
    assert {k: (v["misses"], v["miss_share"]) for k, v in during["by_origin"].items()} == {
        "primary": (0, 0.0), "secondary": (97, 1.0)}
    assert list(before["by_origin"]) == ["primary"]
    # Probe beside viewers: the probe's misses pay the failover (30 ms), the viewers' hits not.
    probe, viewers = during["streams"]["probe"], during["streams"]["viewers"]
    assert (probe["requests"], probe["errors"], probe["latency_ms"]["p95"]) == (100, 3, 30.0)
    assert (viewers["requests"], viewers["errors"], viewers["latency_ms"]["p99"]) == (100, 0, 2.0)


def test_probe_and_viewers(summary: dict) -> None:
    assert summary["probe"]["requests"] == 300
    assert summary["probe"]["errors"] == 3
    assert summary["probe"]["interval_s"] == 0.1
    assert summary["viewers"]["requests"] == 300
    assert summary["viewers"]["hit_ratio"] == 1.0
    # Probe-only figures: here the probe sends every miss, so they equal the run's figures.
    assert summary["faults"][0]["probe"] == {"time_to_failover_s": 0.33, "error_window_s": 0.2,
                                             "errors": 3, "time_to_failback_s": 0.01}


def test_fault_metrics(summary: dict) -> None:
    [fault] = summary["faults"]
    assert (fault["id"], fault["target"], fault["kind"], fault["t0"], fault["t1"]) == (
        0, "primary", "kill", 10.0, 20.0)
    # First successful secondary miss sent at 10.3 s, done 30 ms later.
    assert fault["time_to_failover_s"] == pytest.approx(0.33, abs=1e-4)
    assert fault["failover_penalty_ms"] == 20.0  # median 30 ms during, 10 ms before
    assert fault["error_window_s"] == pytest.approx(0.2, abs=1e-4)  # errors at 10.0 .. 10.2
    assert fault["errors"] == 3
    # Window [10, 11) holds 3 errors in 20 requests; every later window is clean.
    assert fault["time_to_recover_s"] == 1.0
    assert fault["time_to_failback_s"] == pytest.approx(0.01, abs=1e-4)
    assert fault["resolution_s"] == 0.1


def test_expect_in_summary(summary: dict) -> None:
    results = {row["metric"]: row["passed"] for row in summary["expect"]}
    assert results == {"faults[0].time_to_failover_s": True, "faults[0].errors": True,
                       "hit_ratio": False, "latency_ms.p95": True}
    assert summary["passed"] is False
    json.dumps(summary, allow_nan=False)  # no NaN anywhere


def _frame(rows: list[tuple[float, float, int, str, str]]) -> pd.DataFrame:
    """Rows of (t, latency_ms, ok, x_cache, origin)."""
    frame = pd.DataFrame(rows, columns=["t", "latency_ms", "ok", "x_cache", "origin"])
    frame["user"] = "Viewer"
    return frame


def test_failback_null_when_window_never_closed() -> None:
    frame = _frame([(1.0, 10, 1, "Miss", "primary"), (5.5, 10, 1, "Miss", "primary")])
    open_fault = FaultWindow(0, "primary", "kill", 2.0, 5.0, closed=False)
    [row] = failover.fault_metrics(frame, [open_fault], 6.0, 0.99, 5.0)
    assert row["time_to_failback_s"] is None
    assert row["time_to_failover_s"] is None  # no other origin ever served a miss
    assert row["failover_penalty_ms"] is None  # no successful miss during the window
    assert (row["error_window_s"], row["errors"], row["time_to_recover_s"]) == (0.0, 0, 0.0)


def test_one_error_has_no_window_and_recovery_counts_windows() -> None:
    frame = _frame([(2.1, 10, 0, "Error", ""), (2.2, 10, 1, "Miss", "secondary"),
                    (3.5, 10, 1, "Hit", "primary"), (4.4, 10, 0, "Error", ""),
                    (4.6, 10, 1, "Hit", "primary"), (9.0, 10, 1, "Hit", "primary")])
    fault = FaultWindow(0, "primary", "fault", 2.0, 3.0, closed=True)
    # Grace 0.5 s: only the error at 2.1 counts.
    assert failover.error_window(frame, fault, 0.5) == (0.0, 1)
    # Grace 5 s: errors at 2.1 and 4.4.
    assert failover.error_window(frame, fault, 5.0) == (pytest.approx(2.3), 2)
    # Windows from t0 = 2: [2,3) 1/2 ok, [3,4) ok, [4,5) 1/2 ok, [7,8) ok -> recovered at 3 s.
    assert failover.time_to_recover_s(frame, fault, float("inf"), 0.99) == 3.0
    # Bounded by the next fault at 4.0, the window [4, 5) no longer counts.
    assert failover.time_to_recover_s(frame, fault, 4.0, 0.99) == 1.0


def test_penalty_uses_the_phase_before_this_fault() -> None:
    frame = _frame([(1, 10, 1, "Miss", "primary"), (6, 50, 1, "Miss", "primary"),
                    (8, 20, 1, "Miss", "primary"), (11, 70, 1, "Miss", "secondary")])
    faults = [FaultWindow(0, "primary", "fault", 5, 7, True), FaultWindow(1, "primary", "kill", 10, 12, True)]
    rows = failover.fault_metrics(frame, faults, 15.0, 0.99, 5.0)
    assert rows[0]["failover_penalty_ms"] == 40.0  # 50 during vs 10 before
    assert rows[1]["failover_penalty_ms"] == 50.0  # 70 during vs 20 between the faults
    assert rows[1]["time_to_failover_s"] == pytest.approx(1.07)


def test_phase_bounds_with_two_faults() -> None:
    faults = [FaultWindow(0, "primary", "kill", 5, 7, True),
              FaultWindow(1, "secondary", "fault", 10, 12, True)]
    names = [name for name, _, _ in metrics.phase_bounds(faults, 20.0)]
    assert names == ["before", "during #0", "after #0", "during #1", "after #1"]
    assert [name for name, _, _ in metrics.phase_bounds([], 20.0)] == ["whole run"]


def test_empty_frame_gives_nulls() -> None:
    empty = _frame([])
    assert metrics.hit_ratio(empty) is None
    assert metrics.latency_stats(empty["latency_ms"]) == dict.fromkeys(("p50", "p90", "p95", "p99", "max"))
    assert metrics.probe_interval_s(empty) is None


def test_json_has_no_nan(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    synth.write_events(folder / "events.jsonl", synth.standard_events())
    summary = summarize(read_run(folder))  # no requests at all
    text = json.dumps(summary, allow_nan=False)
    assert summary["requests"] == 0 and summary["hit_ratio"] is None
    assert summary["faults"][0]["time_to_failover_s"] is None
    assert "NaN" not in text
