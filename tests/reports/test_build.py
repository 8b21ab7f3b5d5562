"""The whole builder: files written, HTML self-contained, CLI behaviour."""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from reports.build import build_report
from reports.definitions import DEFINITIONS
from reports.edgelog import cross_check
from reports.load import read_run
from tests.reports import synth

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ("latency", "requests", "hit_ratio", "origins", "errors", "latency_hist", "failover_0")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = synth.make_run(tmp_path_factory.mktemp("built") / "run")
    return folder, build_report(folder)


def test_summary_json_matches_return_value(built: tuple[Path, dict]) -> None:
    folder, summary = built
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk == summary
    assert on_disk["faults"][0]["time_to_failover_s"] == pytest.approx(0.33, abs=1e-4)
    assert not (folder / "summary.json.tmp").exists()


def test_every_chart_is_a_sensible_png(built: tuple[Path, dict]) -> None:
    folder, _ = built
    assert sorted(p.stem for p in (folder / "plots").glob("*.png")) == sorted(CHARTS)
    for name in CHARTS:
        data = (folder / "plots" / f"{name}.png").read_bytes()
        assert _png_size(data) == (1200, 450), name
        assert len(data) > 10_000, f"{name}.png looks empty ({len(data)} bytes)"


def test_html_is_self_contained(built: tuple[Path, dict]) -> None:
    folder, _ = built
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


def test_edge_log_cross_check(built: tuple[Path, dict], tmp_path: Path) -> None:
    _, summary = built
    edge = summary["edge_log"]
    assert (edge["requests"], edge["csv_requests"], edge["mismatch"]) == (600, 600, False)
    assert edge["result_types"] == {"Error": 3, "Hit": 300, "Miss": 297}
    assert edge["failovers"] == 97
    # Drop 5 % of the edge log's rows: flagged.
    folder = synth.make_run(tmp_path / "run")
    synth.write_edge_log(folder / "edge-access.log", synth.rows()[:570])
    check = cross_check(folder / "edge-access.log", read_run(folder).requests)
    assert (check["requests"], check["mismatch"], check["difference_ratio"]) == (570, True, 0.05)
    (folder / "edge-access.log").unlink()
    assert cross_check(folder / "edge-access.log", read_run(folder).requests) == {"available": False}


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


def test_cli_builds(tmp_path: Path) -> None:
    folder = synth.make_run(tmp_path / "run")
    result = _cli("build", str(folder))
    assert result.returncode == 0, result.stderr
    assert "report.html" in result.stdout and "thresholds FAILED" in result.stdout
    assert json.loads((folder / "summary.json").read_text())["requests"] == 600
