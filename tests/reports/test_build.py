"""The whole builder: files written, HTML self-contained, CLI behaviour."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from reports.__main__ import main
from reports.build import build_report, summarize
from reports.read.edgelog import cross_check
from reports.read.load import read_run
from reports.render.definitions import DEFINITIONS
from tests.reports import synth

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ("latency", "requests", "hit_ratio", "origins", "errors", "streams", "latency_hist",
          "failover_0")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """The synthetic run built once through the CLI (in this process), with what it printed."""
    folder = synth.make_run(tmp_path_factory.mktemp("built") / "run")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["build", str(folder)]) == 0
    return folder, json.loads((folder / "summary.json").read_text()), printed.getvalue()


def test_summary_json_holds_the_summary(built: tuple[Path, dict, str]) -> None:
    folder, summary, _ = built
    assert summary == summarize(read_run(folder))  # summary.json holds exactly the summary
    assert summary["faults"][0]["time_to_failover_s"] == pytest.approx(0.33, abs=1e-4)
    assert not (folder / "summary.json.tmp").exists()


def test_every_chart_is_a_sensible_png(built: tuple[Path, dict, str]) -> None:
    folder, _, _ = built
    assert sorted(p.stem for p in (folder / "plots").glob("*.png")) == sorted(CHARTS)
    for name in CHARTS:
        data = (folder / "plots" / f"{name}.png").read_bytes()
        assert _png_size(data) == (1200, 450), name
        assert len(data) > 10_000, f"{name}.png looks empty ({len(data)} bytes)"


def test_html_is_self_contained(built: tuple[Path, dict, str]) -> None:
    folder, _, _ = built
    page = (folder / "report.html").read_text()
    for name in CHARTS:
        encoded = base64.b64encode((folder / "plots" / f"{name}.png").read_bytes()).decode()
        assert f"data:image/png;base64,{encoded}" in page, name
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<title>primary-killed: completed</title>" in page
    for term, _ in DEFINITIONS:
        assert f"<dt>{term}</dt>" in page
    assert "# primary-killed: synthetic" in page  # scenario.yaml verbatim
    assert page.count('class="fail">FAIL') == 2  # hit_ratio threshold and the overall verdict
    assert "0.5025 is not &gt; 0.7" in page or "0.502513 is not &gt; 0.7" in page
    assert "during #0" in page and "restart" in page  # phase table and event timeline
    # The headline: each fault's failover rounded to the probe's resolution (0.33 -> 0.3).
    assert "fault #0 primary kill: failed over in <b>0.3 ± 0.1 s</b>, 3 errors" in page
    # Misses per origin in the Phases table: during the kill, none from the primary.
    assert "<td>secondary 97 (100 %)</td>" not in page and "primary 0 (0 %), secondary 97 (100 %)" in page


def test_verdict_only_when_judged() -> None:
    from reports.render.sections import threshold_verdict
    from reports.values import with_resolution

    assert threshold_verdict({"expect": [], "status": "completed", "passed": True}) == "none set"
    assert threshold_verdict({"expect": [{}], "status": "interrupted", "passed": False}) == (
        "not judged (the run interrupted)")
    assert threshold_verdict({"expect": [{}], "status": "completed", "passed": True}) == (
        '<span class="pass">PASS</span>')
    # Rounded to the resolution: the "0.0924 ± 0.0999 s" reads 0.1 ± 0.1.
    assert [with_resolution(v, t) for v, t in ((0.0924, 0.0999), (2.0624, 0.1), (12.3, 2.5), (0.05, 0.01))] == [
        "< 0.1", "2.1 ± 0.1", "12 ± 2", "0.05 ± 0.01"]  # inside one tick of zero: "< 0.1", not "0.1 ± 0.1"
    assert with_resolution(0.0212, 0.1) == "< 0.1"


def test_edge_log_cross_check(built: tuple[Path, dict, str], tmp_path: Path) -> None:
    _, summary, _ = built
    edge = summary["edge_log"]
    assert (edge["requests"], edge["csv_requests"], edge["mismatch"]) == (600, 600, False)
    assert edge["result_types"] == {"Error": 3, "Hit": 300, "Miss": 297}
    assert edge["failovers"] == 97
    # Drop 5 % of the edge log's rows: flagged.
    folder = synth.make_run(tmp_path / "run")
    synth.write_edge_log(folder / "edge-access.log", synth.rows()[:570])
    check = cross_check(folder / "edge-access.log", read_run(folder).requests)
    assert (check["requests"], check["mismatch"], check["difference_ratio"]) == (570, True, 0.05)
    assert next(r for r in check["rows"] if r["what"] == "requests")["mismatch"] is True
    (folder / "edge-access.log").unlink()
    absent = cross_check(folder / "edge-access.log", read_run(folder).requests)
    assert absent["available"] is False and absent["reason"].startswith("not available")


def test_edge_log_side_by_side(built: tuple[Path, dict, str], tmp_path: Path) -> None:
    _, summary, _ = built
    edge = summary["edge_log"]
    assert edge["status"] == edge["csv_status"] == {"200": 597, "502": 3}
    # Which origins the edge tried, next to what viewers saw on misses and errors.
    assert edge["origin_attempts"] == {"primary": {"200": 200, "connect-refused": 100},
                                       "secondary": {"200": 97}}
    assert edge["csv_origin_not_hits"] == {"primary": 200, "secondary": 97}
    assert all(not row["mismatch"] for row in edge["rows"])
    # 20 hits the edge logged as misses: totals agree, but both result rows are flagged.
    folder = synth.make_run(tmp_path / "run")
    rows = synth.rows()
    for row in [r for r in rows if r[7] == "Hit"][:20]:
        row[7] = "Miss"
    synth.write_edge_log(folder / "edge-access.log", rows)
    check = cross_check(folder / "edge-access.log", read_run(folder).requests)
    flagged = {r["what"]: (r["edge"], r["csv"]) for r in check["rows"] if r["mismatch"]}
    assert flagged == {"result Hit": (280, 300), "result Miss": (317, 297)}
    assert check["mismatch"] is True and check["difference_ratio"] == 0.0


def test_interrupted_run_builds(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(synth.SCENARIO + '  faults[0].time_to_failback_s: "< 5"\n')
    synth.write_requests(folder / "requests.csv", synth.rows(end_t=25.0), truncate_last=True)
    events = [e for e in synth.standard_events() if e["kind"] in ("run-start", "load-start", "kill")]
    synth.write_events(folder / "events.jsonl", events)
    summary = build_report(folder)
    assert summary["status"] == "interrupted"
    assert summary["requests"] == 500
    assert summary["faults"][0]["time_to_failback_s"] is None
    failback = next(r for r in summary["expect"] if r["metric"] == "faults[0].time_to_failback_s")
    assert failback["passed"] is False and "null" in failback["reason"]
    assert (folder / "report.html").stat().st_size > 50_000
    assert (folder / "plots" / "failover_0.png").exists()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "reports", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = _cli("build", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "no such run folder" in result.stderr and "Traceback" not in result.stderr


def test_cli_builds(built: tuple[Path, dict, str]) -> None:
    folder, summary, printed = built
    assert printed == f"{folder / 'report.html'}  (completed, thresholds FAILED)\n"
    assert summary["requests"] == 600


def test_run_whose_latencies_are_all_equal_builds(tmp_path: Path) -> None:
    # A run interrupted early can hold only requests of one latency. np.geomspace(v, v, n) is
    # not monotonic for many v (3.319978 is one); the histogram's bin edges
    # must still increase (this used to raise "bins must increase monotonically").
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(synth.SCENARIO)
    rows = [[k / 10, 3.319978, "GET", "/static/a", 200, 1, 10, "Hit", "primary", "LOC1", "Viewer", ""]
            for k in range(20)]
    synth.write_requests(folder / "requests.csv", rows)
    synth.write_events(folder / "events.jsonl",
                       [e for e in synth.standard_events() if e["kind"] in ("run-start", "load-start")])
    summary = build_report(folder)
    assert summary["requests"] == 20
    assert summary["latency_ms"]["p50"] == pytest.approx(3.32, abs=0.01)
    assert (folder / "plots" / "latency_hist.png").stat().st_size > 5_000


def test_interrupted_requests_are_counted_apart_and_such_a_run_never_passes(tmp_path: Path) -> None:
    # Requests the end of the load cut short are rows (nothing is lost) but neither errors
    # nor latencies; and a run that did not complete never says passed, whatever its numbers.
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "scenario.yaml").write_text("name: x\nexpect:\n  hit_ratio: \"> 0.5\"\n")
    rows = [[k / 10, 2.0, "GET", "/static/a", 200, 1, 10, "Hit", "primary", "LOC1", "Viewer", ""]
            for k in range(50)]
    rows += [[5.0, 900.0, "GET", "/api/x", 0, 0, 0, "", "", "", "Viewer",
              "Interrupted: the load stopped while this request was in flight"]] * 3
    synth.write_requests(folder / "requests.csv", rows)
    events = [e for e in synth.standard_events() if e["kind"] in ("run-start", "load-start")]
    synth.write_events(folder / "events.jsonl", events + [
        {"ts": synth.START + 6, "t": 6.0, "kind": "interrupted", "target": None,
         "params": {"signal": "SIGINT"}, "ok": True},
        {"ts": synth.START + 6.5, "t": 6.5, "kind": "run-end", "target": None,
         "params": {"status": "interrupted", "pids": []}, "ok": True}])
    summary = build_report(folder)
    assert (summary["requests"], summary["errors"], summary["interrupted"]) == (50, 0, 3)
    assert summary["latency_ms"]["max"] == 2.0  # the 900 ms cut-short waits are not latencies
    assert summary["expect"][0]["passed"] is True and summary["hit_ratio"] == 1.0
    assert summary["status"] == "interrupted" and summary["passed"] is False
