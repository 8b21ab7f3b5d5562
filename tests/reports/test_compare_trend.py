"""compare (two runs, deltas, overlaid charts), trend (regression runs over time), repeats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports import trend
from reports.__main__ import main
from reports.compare import metric_rows
from reports.metrics import repeats
from tests.reports import synth


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI, in this process (an interpreter start costs more than the command)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _slower_failover(folder: Path) -> Path:
    """The synthetic run, but probes fail until 10.6 s: failover 0.3 s later, 3 more errors."""
    rows = synth.rows()
    for row in rows:
        if row[10] == "Probe" and 10.3 <= row[0] < 10.6:
            row[1:] = [5.0, "GET", "/api/probe", 502, 0, 0, "Error", "", "LOC1", "Probe", "HTTP 502"]
    synth.make_run(folder)
    synth.write_requests(folder / "requests.csv", rows)
    return folder


def test_metric_rows_deltas_and_direction() -> None:
    a = {"hit_ratio": 0.8, "requests": 100, "latency_ms": {"p95": 100.0},
         "faults": [{"id": 0, "time_to_failover_s": 0.5, "errors": 2}]}
    b = {"hit_ratio": 0.9, "requests": 120, "latency_ms": {"p95": 250.0},
         "faults": [{"id": 0, "time_to_failover_s": 0.25, "errors": None}]}
    rows = {r["metric"]: r for r in metric_rows(a, b)}
    assert rows["hit_ratio"]["delta"] == pytest.approx(0.1) and rows["hit_ratio"]["verdict"] == "better"
    assert (rows["latency_ms.p95"]["delta"], rows["latency_ms.p95"]["change"]) == (150.0, 1.5)
    assert rows["latency_ms.p95"]["verdict"] == "worse"
    assert rows["requests"]["verdict"] == ""  # a count is neither better nor worse
    assert rows["faults[0].time_to_failover_s"]["verdict"] == "better"
    errors = rows["faults[0].errors"]
    assert (errors["a"], errors["b"], errors["delta"], errors["verdict"]) == (2.0, None, None, "")
    assert rows["probe.errors"]["a"] is None  # absent in both: a row of nulls, no crash


def test_deltas_inside_the_noise_are_same() -> None:
    # The issue's own figures: failover +0.0116 s against a 0.1 s probe, p90 +0.4 %.
    a = {"latency_ms": {"p90": 100.0}, "faults": [{"id": 0, "time_to_failover_s": 0.092,
                                                  "resolution_s": 0.1}]}
    b = {"latency_ms": {"p90": 100.4}, "faults": [{"id": 0, "time_to_failover_s": 0.1036,
                                                  "resolution_s": 0.1}]}
    rows = {r["metric"]: r for r in metric_rows(a, b)}
    assert rows["faults[0].time_to_failover_s"]["verdict"] == "same"
    assert rows["faults[0].time_to_failover_s"]["band"] == 0.1
    assert rows["latency_ms.p90"]["verdict"] == "same"
    assert rows["latency_ms.p90"]["why"] == "within the noise band of ±100"


def test_repeated_runs_need_a_significant_difference() -> None:
    def run(failover: float) -> dict[str, object]:
        return {"faults": [{"id": 0, "time_to_failover_s": failover, "resolution_s": 0.1}]}

    # Medians 0.35 vs 0.6 (beyond one tick) but the runs overlap: not significant.
    a_runs = [run(v) for v in (0.3, 0.34, 0.36, 0.9)]
    b_runs = [run(v) for v in (0.2, 0.55, 0.65, 0.7)]
    row = {r["metric"]: r for r in metric_rows(a_runs[1], b_runs[1], a_runs, b_runs)}[
        "faults[0].time_to_failover_s"]
    assert row["verdict"] == "same" and "Mann-Whitney U over 4 and 4 runs" in row["why"]
    # Five runs a side, every B slower than every A: p = 2/252 < 0.05.
    a_runs = [run(v) for v in (0.3, 0.31, 0.32, 0.33, 0.34)]
    b_runs = [run(v) for v in (0.6, 0.61, 0.62, 0.63, 0.64)]
    row = {r["metric"]: r for r in metric_rows(a_runs[2], b_runs[2], a_runs, b_runs)}[
        "faults[0].time_to_failover_s"]
    assert row["verdict"] == "worse" and "p = 0.0079" in row["why"]


def test_compare_two_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = synth.make_run(tmp_path / "a")
    b = _slower_failover(tmp_path / "b")
    code, out, err = _cli(capsys, "compare", str(a), str(b))
    assert code == 0, err
    folder = tmp_path / "compare-a--b"  # the default: next to A
    assert out.splitlines()[-1] == str(folder / "compare.html")
    line = next(l for l in out.splitlines() if l.startswith("faults[0].time_to_failover_s"))
    assert line.split()[1:5] == ["0.33", "0.63", "+0.3", "+90.9%"] and line.endswith("worse")
    rows = json.loads((folder / "compare.json").read_text())["rows"]
    by_metric = {r["metric"]: r for r in rows}
    failover = by_metric["faults[0].time_to_failover_s"]
    assert (failover["a"], failover["b"], failover["verdict"]) == (0.33, 0.63, "worse")
    assert failover["delta"] == pytest.approx(0.3)
    assert (by_metric["errors"]["a"], by_metric["errors"]["b"]) == (3, 6)
    charts = sorted(p.stem for p in (folder / "plots").glob("*.png"))
    assert charts == ["errors", "failover_0", "hit_ratio", "latency_p95", "origins", "requests"]
    page = (folder / "compare.html").read_text()
    assert page.count("data:image/png;base64,") == 6 and "http" not in page
    assert '<span class="worse">+0.3</span>' in page
    code, out, err = _cli(capsys, "compare", str(a), str(tmp_path / "missing"))
    assert (code, out) == (2, "") and "no such run folder" in err and err.count("\n") == 1


def _regression(root: Path, stamp: str, ts: float, failover: float | None, passed: bool) -> None:
    folder = root / f"regression-{stamp}"
    folder.mkdir(parents=True)
    doc = {"kind": "regression", "started": stamp, "ts": ts, "passed": passed, "scenarios": [
        {"name": "primary-killed", "passed": passed,
         "metrics": {"faults[0].time_to_failover_s": failover, "latency_ms.p95": 40.0,
                     "hit_ratio": 0.9, "errors": 4},
         "expect": [{"metric": "faults[0].time_to_failover_s", "condition": "< 1.0"}]},
        {"name": "baseline", "passed": True,
         "metrics": {"latency_ms.p95": 12.0, "hit_ratio": 0.95, "errors": 0}}]}
    (folder / "summary.json").write_text(json.dumps(doc))


def test_trend_over_regression_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results"
    _regression(results, "20261101T020000Z", 1_793_498_400.0, 0.4, True)
    _regression(results, "20261102T020000Z", 1_793_584_800.0, 0.9, False)
    _regression(results / "nested", "20261103T020000Z", 1_793_671_200.0, None, False)
    (results / "regression-broken").mkdir()
    (results / "regression-broken" / "summary.json").write_text("{not json")
    (results / "20261101T000000Z-primary-killed").mkdir()  # a plain run folder: not a point
    (results / "20261101T000000Z-primary-killed" / "summary.json").write_text('{"kind": "run"}')
    found = trend.find_regressions(results)
    assert [doc["started"] for doc in found] == ["20261101T020000Z", "20261102T020000Z",
                                                 "20261103T020000Z"]
    failover = [p for p in trend.points(found)
                if p.metric == "faults[0].time_to_failover_s" and p.scenario == "primary-killed"]
    assert [(p.value, p.passed) for p in failover] == [(0.4, True), (0.9, False), (None, False)]
    # The third never failed over (a mark at the top of the chart, not a gap), and each
    # point knows its threshold (a dotted line).
    assert [(p.none, p.condition) for p in failover] == [(False, "< 1.0"), (False, "< 1.0"), (True, "< 1.0")]
    assert trend._threshold_lines("< 1.0") == [1.0] and trend._threshold_lines("1500..3500") == [1500.0, 3500.0]
    assert trend._threshold_lines("") == [] and trend._threshold_lines("bogus") == []
    code, out, err = _cli(capsys, "trend", str(results))
    assert code == 0, err
    assert out.strip() == f"{results / 'trend' / 'trend.html'}  (3 regression runs)"
    page = (results / "trend" / "trend.html").read_text()
    assert page.count("data:image/png;base64,") == len(repeats.KEY_METRICS)
    assert page.count("<tr>") == 1 + 6  # header + 3 runs x 2 scenarios


def test_trend_of_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, count = trend.write_trend(tmp_path)
    assert count == 0 and "Trend across 0 regression runs" in path.read_text()
    code, _, err = _cli(capsys, "trend", str(tmp_path / "missing"))
    assert code == 2 and "no such folder" in err


def test_repeat_distribution(tmp_path: Path) -> None:
    summaries = [{"hit_ratio": h, "faults": [{"id": 0, "time_to_failover_s": f, "errors": 3}]}
                 for h, f in ((0.8, 0.5), (0.9, None), (0.7, 0.3), (0.85, 0.4))]
    spread = repeats.distribution(summaries)
    assert spread["runs"] == 4
    assert spread["metrics"]["hit_ratio"] == {"median": 0.825, "min": 0.7, "max": 0.9, "n": 4}
    # The run that never failed over is left out of its metric, not counted as 0.
    assert spread["metrics"]["faults[0].time_to_failover_s"] == {"median": 0.4, "min": 0.3,
                                                                 "max": 0.5, "n": 3}


def test_repeat_folder_reports_show_the_distribution(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    repeat = tmp_path / "repeat"
    synth.make_run(repeat / "run-1")
    _slower_failover(repeat / "run-2")
    (repeat / "repeat-summary.json").write_text("{}")
    code, out, err = _cli(capsys, "build", str(repeat))
    assert code == 0, err
    assert out.count("report.html") == 2
    for run in ("run-1", "run-2"):
        summary = json.loads((repeat / run / "summary.json").read_text())
        assert summary["repeats"]["runs"] == 2
        assert summary["repeats"]["metrics"]["faults[0].time_to_failover_s"] == {
            "median": 0.48, "min": 0.33, "max": 0.63, "n": 2}
        assert "Across 2 repeated runs" in (repeat / run / "report.html").read_text()
    # Without the marker the folder is a plain group of runs (like variants): each is
    # rebuilt on its own, with no distribution.
    (repeat / "repeat-summary.json").unlink()
    code, out, err = _cli(capsys, "build", str(repeat))
    assert (code, err) == (0, "") and out.count("report.html") == 2
    assert all("repeats" not in json.loads((repeat / run / "summary.json").read_text())
               for run in ("run-1", "run-2"))
