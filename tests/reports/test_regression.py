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
from reports.history.store import History
from reports.read.load import read_run
from reports.render.regression_out import index_html, junit_xml, markdown
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
                 "metrics": {"hit_ratio": 0.5, "errors": 3}, "expect": expect,
                 "baseline": {"how": "last passing", "baseline_id": 7, "worse": ["hit_ratio"], "rows": [
                     {"metric": "hit_ratio", "baseline": 0.8, "value": 0.5, "band": 0.01,
                      "verdict": "worse", "why": "beyond the noise band of ±0.01"},
                     {"metric": "errors", "baseline": 2.0, "value": 3.0, "band": 2.0,
                      "verdict": "same", "why": "within the noise band of ±2"}]}},
                {"name": "baseline", "report": None, "status": "deviated", "exit_code": 1,
                 "passed": False, "duration_s": 20.0, "seconds": 25.0, "note": "no report was built",
                 "metrics": {}, "expect": []}]}


def test_junit_one_case_per_threshold() -> None:
    root = ET.fromstring(junit_xml(_doc()))
    # 4 + 2 cases; failed: a threshold and the baseline (killed), the run (baseline)
    assert (root.get("tests"), root.get("failures")) == ("6", "3")
    killed, baseline = root.findall("testsuite")
    assert killed.get("timestamp") == "2026-11-28T02:00:00"  # ISO 8601, as JUnit readers parse it
    assert [c.get("name") for c in killed.findall("testcase")] == [
        "run completed", "hit_ratio > 0.7", "faults[0].errors <= 5", "no key metric worse than the baseline"]
    held = killed.find("testcase[@name='faults[0].errors <= 5']")
    assert held is not None and held.findtext("system-out") == "faults[0].errors <= 5: value 3"
    worse = killed.find("testcase[@name='no key metric worse than the baseline']/failure")
    assert worse is not None and worse.get("message") == "worse than baseline run 7: hit_ratio"
    assert worse.text.splitlines() == [
        "baseline: run 7 (last passing)",
        "hit_ratio: baseline 0.8, this run 0.5, noise ±0.01: worse",
        "errors: baseline 2, this run 3, noise ±2: same"]
    # No history verdict at all (an older summary): the case passes and says why.
    no_base = baseline.find("testcase[@name='no key metric worse than the baseline']")
    assert no_base is not None and no_base.find("failure") is None
    assert no_base.findtext("system-out") == "no baseline to compare with (off)"
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
    assert '<span class="fail">worse: hit_ratio</span> (run 7)' in page


def test_markdown_summary() -> None:
    text = markdown(_doc())
    lines = text.splitlines()
    assert lines[0] == "## Regression 20261128T020000Z: ❌ failed"
    assert lines[4].startswith("| scenario | result | thresholds | faults[0].time_to_failover_s |")
    assert lines[6] == ("| primary-killed | ❌ completed | 1/2 | – | – | 0.5 (worse) | 3 (same) "
                        "| worse: hit_ratio |")
    assert lines[7] == "| baseline | ❌ deviated | 0/0 | – | – | – | – | no baseline yet |"
    assert "- primary-killed: `hit_ratio > 0.7`, value 0.5" in lines


def _scenarios(*args: str, timeout: float, history: Path) -> subprocess.CompletedProcess[str]:
    """``python -m scenarios ARGS`` with its own run history (no verdict against other tests' runs)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HARNESS_HISTORY": str(history)}
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
                        "--out", str(out), timeout=200, history=tmp_path / "history.sqlite")
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


HANG = """\
# hang: the primary hangs for the middle third; failover costs the origin read timeout.
# A small catalogue keeps misses few, so that p95 sits among the hits in every run (a p95
# among the misses that wait for the read timeout moves by seconds from run to run).
distribution: distributions/default.json
load: {users: 10, duration: 12s, probe_interval: 100ms, catalogue_size: 20}
steps:
  - {at: 33%, fault: {target: primary, type: hang}}
  - {at: 67%, clear: primary}
expect:
  faults[0].errors: "<= 5"
regression: true
"""


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_three_regressions_the_third_worse_than_its_baseline(tmp_path: Path) -> None:
    """Two runs on the tuned distribution are the same; the third, on AWS's default timeouts
    (30 s read timeout: no failover within a 4 s hang), is worse than its baseline and fails
    although its own thresholds hold."""
    scenario = tmp_path / "hang.yaml"
    scenario.write_text(HANG)
    history = tmp_path / "history.sqlite"
    docs, outputs = [], []
    for index, extra in enumerate([(), (), ("--distribution", "distributions/aws-default-timeouts.json")]):
        out = tmp_path / f"night-{index}"
        # About 12 s of load plus start and report: 30-40 s a run here.
        result = _scenarios("regression", str(scenario), "--duration", "12", "--out", str(out), *extra,
                            timeout=120, history=history)
        outputs.append(result.stdout[-3000:] + result.stderr[-2000:])
        docs.append(json.loads((out / "summary.json").read_text()))
        assert result.returncode == (1 if index == 2 else 0), outputs[-1]
    first, second, third = (doc["scenarios"][0] for doc in docs)
    assert first["baseline"]["how"] == "none" and first["passed"]
    assert second["baseline"]["how"] == "last passing" and second["baseline"]["worse"] == []
    verdicts = {r["metric"]: r["verdict"] for r in second["baseline"]["rows"]}
    assert verdicts["faults[0].time_to_failover_s"] == "same", second["baseline"]["rows"]
    assert third["baseline"]["baseline_id"] == second["baseline"]["run_id"]
    assert "faults[0].time_to_failover_s" in third["baseline"]["worse"], third["baseline"]["rows"]
    assert all(row["passed"] for row in third["expect"]) and not third["passed"]
    assert "WORSE faults[0].time_to_failover_s: no failover within the fault window" in outputs[2]
    junit = ET.fromstring((tmp_path / "night-2" / "junit.xml").read_text())
    failure = junit.find(".//testcase[@name='no key metric worse than the baseline']/failure")
    assert failure is not None and failure.get("message", "").startswith("worse than baseline run ")
    assert "| worse: faults[0].time_to_failover_s" in (tmp_path / "night-2" / "summary.md").read_text()
    # The history: three regression runs, the third marked, so never a later baseline.
    listing = subprocess.run([sys.executable, "-m", "reports", "history", "--history", str(history),
                              "--out", str(tmp_path / "page")], cwd=ROOT, capture_output=True, text=True,
                             timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) == 5 and "none worse" in lines[1] and lines[-1].endswith("history.html")
    with History(f"sqlite:///{history}") as store:
        runs = store.runs()
        assert [r.kind for r in runs] == ["regression"] * 3
        assert [r.regressed for r in runs] == [True, False, False]
        assert runs[0].distribution_sha256 != runs[1].distribution_sha256 == runs[2].distribution_sha256
        assert store.baseline(runs[0].scenario)[0] == runs[1]
