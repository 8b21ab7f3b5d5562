"""Regression runs: short versions, cases from run folders, junit.xml, index.html, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports.build import summarize
from reports.read.load import read_run
from reports.render.regression_out import index_html, junit_xml
from reports.trend import find_regressions
from scenarios.batch.regression import cases, short_version
from scenarios.spec.loader import load_scenario, parse_scenario
from tests.reports import synth

ROOT = Path(__file__).resolve().parents[2]
FIXED_STEPS = """\
# fixed: steps at fixed times
distribution: distributions/default.json
load: {users: 2, duration: 40s}
steps:
  - {at: 30s, kill: primary}
  - {at: 35s, restart: primary}
expect:
  hit_ratio: "> 0.7"
regression: true
"""


def test_short_version_moves_percent_steps() -> None:
    scenario = load_scenario("primary-killed")  # steps at 33 % and 67 %
    short, note = short_version(scenario, 12.0)
    assert (short.load.duration_s, short.repeat, note) == (12.0, 1, "")
    assert [round(s.at_s, 2) for s in short.steps] == [3.96, 8.04]
    # Never longer than the scenario itself.
    assert short_version(scenario, 3600.0)[0].load.duration_s == scenario.load.duration_s


def test_fixed_steps_run_at_full_length() -> None:
    scenario = parse_scenario(FIXED_STEPS, "fixed.yaml", base=ROOT)
    short, note = short_version(scenario, 20.0)
    assert short.load.duration_s == 40.0
    assert note == "steps at fixed times: ran at its full 40 s"


def test_cases_from_run_folders(tmp_path: Path) -> None:
    scenario = load_scenario("primary-killed")
    run_dir = synth.make_run(tmp_path / "primary-killed")
    # What the runner leaves: summary.json and report.html (its content does not matter here).
    (run_dir / "summary.json").write_text(json.dumps(summarize(read_run(run_dir))))
    (run_dir / "report.html").write_text("<!DOCTYPE html>")
    [case] = cases(tmp_path, scenario, 1, "", 31.26)
    assert (case["name"], case["run_dir"], case["report"]) == (
        "primary-killed", "primary-killed", "primary-killed/report.html")
    assert (case["status"], case["exit_code"], case["passed"], case["seconds"]) == ("completed", 1, False, 31.3)
    assert case["metrics"]["faults[0].time_to_failover_s"] == 0.33
    assert [r["passed"] for r in case["expect"]] == [True, True, False, True]
    # A run that died before any report: failed, said so, no link.
    (tmp_path / "baseline").mkdir()
    [broken] = cases(tmp_path, load_scenario("baseline"), 1, "", 2.0)
    assert (broken["status"], broken["passed"], broken["report"]) == ("failed", False, None)
    assert broken["note"] == "no report was built" and broken["expect"] == []


def _doc() -> dict:
    expect = [{"metric": "hit_ratio", "condition": "> 0.7", "value": 0.5, "passed": False,
               "reason": "0.5 is not > 0.7"},
              {"metric": "faults[0].errors", "condition": "<= 5", "value": 3, "passed": True, "reason": ""}]
    return {"kind": "regression", "started": "20261128T020000Z", "ts": 1795831200.0, "passed": False,
            "exit_code": 1, "duration_s": 20.0, "scenarios": [
                {"name": "primary-killed", "report": "primary-killed/report.html", "status": "completed",
                 "exit_code": 1, "passed": False, "duration_s": 20.0, "seconds": 31.0, "note": "",
                 "metrics": {"hit_ratio": 0.5, "errors": 3}, "expect": expect},
                {"name": "baseline", "report": None, "status": "deviated", "exit_code": 1,
                 "passed": False, "duration_s": 20.0, "seconds": 25.0, "note": "no report was built",
                 "metrics": {}, "expect": []}]}


def test_junit_one_case_per_threshold() -> None:
    root = ET.fromstring(junit_xml(_doc()))
    assert (root.get("tests"), root.get("failures")) == ("4", "2")  # 3 + 1 cases; threshold + run
    killed, baseline = root.findall("testsuite")
    assert [c.get("name") for c in killed.findall("testcase")] == [
        "run completed", "hit_ratio > 0.7", "faults[0].errors <= 5"]
    failure = killed.find("testcase[@name='hit_ratio > 0.7']/failure")
    assert failure is not None and failure.get("message") == "0.5 is not > 0.7"
    assert failure.text == "hit_ratio > 0.7: value 0.5"
    assert killed.find("testcase[@name='run completed']/failure") is None
    run = baseline.find("testcase[@name='run completed']/failure")
    assert run is not None and run.get("message") == "run deviated (exit code 1): no report was built"
    assert killed.findtext("system-out") == "report: primary-killed/report.html"


def test_index_links_each_report() -> None:
    page = index_html(_doc())
    assert '<a href="primary-killed/report.html">primary-killed</a>' in page
    assert "<td>baseline</td>" in page  # no report: no dead link
    assert "<h2>Failed thresholds</h2>" in page and "0.5 is not &gt; 0.7" in page
    assert "http" not in page and "<script" not in page


def _scenarios(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_regression_end_to_end(tmp_path: Path) -> None:
    impossible = tmp_path / "impossible.yaml"
    impossible.write_text("# impossible: a threshold no run can meet\n"
                          "distribution: distributions/default.json\n"
                          "load: {users: 3, duration: 6s}\n"
                          'expect: {latency_ms.p95: "< 0.001"}\nregression: true\n')
    out = tmp_path / "results" / "regression-test"
    # Two short runs of about 6 s plus stack start and report each: well inside 200 s.
    result = _scenarios("regression", "baseline", str(impossible), "--duration", "6",
                        "--out", str(out), timeout=200)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "PASS baseline" in result.stdout and "FAIL impossible" in result.stdout
    doc = json.loads((out / "summary.json").read_text())
    assert (doc["kind"], doc["passed"], doc["exit_code"]) == ("regression", False, 1)
    baseline, failing = doc["scenarios"]
    assert baseline["passed"] and baseline["status"] == "completed"
    assert 0 < baseline["metrics"]["latency_ms.p95"] < 250 and baseline["metrics"]["errors"] == 0
    assert [r["passed"] for r in failing["expect"]] == [False]
    assert (out / baseline["report"]).exists() and (out / failing["report"]).exists()
    root = ET.fromstring((out / "junit.xml").read_text())
    assert root.get("failures") == "1"
    assert f'href="{baseline["report"]}"' in (out / "index.html").read_text()
    assert [d["started"] for d in find_regressions(tmp_path / "results")] == [doc["started"]]
