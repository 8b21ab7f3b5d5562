"""Whole runs of shipped scenarios, as a user starts them, with assertions on the numbers.

Signals at every stage of a run, a dying Locust, abort rules, stages and repeats are in
``test_end_to_end_chaos.py``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts.events import undeclared
from contracts.requests_csv import interrupted
from scenarios.chaos_self import pid_alive

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run_scenario(name: str, out: Path, duration: int = 15) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenarios", "run", name, "--duration", str(duration),
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=110)


def read_events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def check_clean_end(run_dir: Path, status: str) -> None:
    events = read_events(run_dir)
    assert events[-1]["kind"] == "run-end" and events[-1]["params"]["status"] == status
    pids = events[-1]["params"]["pids"]
    assert len(pids) >= 4  # two origins, the edge, Locust
    assert not [pid for pid in pids if pid_alive(pid)]
    # Every line is of a declared kind and carries only the params contracts/events.py declares.
    assert [(e["kind"], undeclared(e)) for e in events if undeclared(e)] == []


def during_fault_origins(run_dir: Path) -> tuple[float, float]:
    """Share of successful misses during the fault served by the secondary, and the count."""
    import pandas as pd

    events = read_events(run_dir)
    t0 = next(e["ts"] for e in events if e.get("fault_edge") == "start")
    t1 = next(e["ts"] for e in events if e.get("fault_edge") == "end")
    frame = pd.read_csv(run_dir / "requests.csv", keep_default_na=False)
    # from 0.5 s after t0 (in-flight misses may still finish on the primary) to t1
    misses = frame[(frame.ts > t0 + 0.5) & (frame.ts < t1) & (frame.x_cache == "Miss") & (frame.ok == 1)]
    return float((misses.origin == "secondary").mean()), len(misses)


@pytest.mark.parametrize("name", ["primary-503", "primary-killed", "primary-cert-expired"])
def test_failover_scenario(name: str, tmp_path: Path) -> None:
    run_dir = tmp_path / name
    result = run_scenario(name, run_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    fault = summary["faults"][0]
    # the edge fails over on the first miss after the fault: well under the 1 s expectation
    assert fault["time_to_failover_s"] is not None and fault["time_to_failover_s"] < 0.5
    assert fault["errors"] <= 5
    share, misses = during_fault_origins(run_dir)
    assert misses > 20 and share > 0.9, (share, misses)
    assert summary["hit_ratio"] > 0.6
    assert (run_dir / "report.html").stat().st_size > 0
    assert f"report: {run_dir / 'report.html'}" in result.stdout
    # Locust's own report and tables, for people who know Locust's, said where they are.
    assert (run_dir / "locust.html").stat().st_size > 10_000 and (run_dir / "locust_stats.csv").exists()
    assert f"locust's own report: {run_dir / 'locust.html'}" in result.stdout
    check_clean_end(run_dir, "completed")
    kinds = [e["kind"] for e in read_events(run_dir)]
    assert kinds[:3] == ["run-start", "stack-ready", "load-start"] and kinds[-2:] == ["load-end", "run-end"]
    check_progress_lines(run_dir, result.stdout, 15)
    if name == "primary-cert-expired":  # HTTPS end to end, with the run's own CA
        ready = next(e for e in read_events(run_dir) if e["kind"] == "stack-ready")["params"]
        assert ready["tls_ca"] == str(run_dir / "tls" / "ca.pem")
        assert (run_dir / "tls" / "key.pem").stat().st_mode & 0o777 == 0o600
        from edge.pop.logline import parse_line
        records = [parse_line(x) for x in (run_dir / "edge-access.log").read_text().splitlines()
                   if x and not x.startswith("#")]
        assert {r["cs-protocol"] for r in records} == {"https"}
        assert sum(r["x-failover-reason"] == "tls-error" for r in records) > 20


LINE = re.compile(r"^\[ ?(\d+)/(\d+) s\] (.*?) \| (\d+) req/s \| hit (\S+) \| misses served by primary (\d+), "
                  r"secondary (\d+) \| errors (\d+) \((\d+) so far\)$", re.M)


def check_progress_lines(run_dir: Path, stdout: str, duration: int) -> None:
    """Every second of the load has a line, and each says what requests.csv holds for the
    requests sent in that second (its latencies are milliseconds: every row is logged by then)."""
    import pandas as pd

    lines = {int(m[1]): m.groups() for m in LINE.finditer(stdout)}
    assert sorted(lines) == list(range(1, duration + 1)), stdout[-3000:]
    load_start = next(e["ts"] for e in read_events(run_dir) if e["kind"] == "load-start")
    frame = pd.read_csv(run_dir / "requests.csv", keep_default_na=False)
    frame = frame[~frame.error.map(interrupted).astype(bool)]  # the rule the progress line uses
    second = ((frame.ts - load_start) // 1).astype(int) + 1
    so_far = 0
    for k in range(1, duration + 1):
        rows = frame[second == k]
        misses = rows[(rows.x_cache == "Miss") & (rows.ok == 1)]
        cached = rows.x_cache.isin(["Hit", "RefreshHit", "Miss"])
        hits = rows.x_cache.isin(["Hit", "RefreshHit"]).sum()
        errors = int((rows.ok != 1).sum())
        so_far += errors
        _, _, state, rate, hit, primary, secondary, shown_errors, shown_so_far = lines[k]
        expected_hit = f"{hits / cached.sum():.2f}" if cached.sum() else "-"
        assert (int(rate), hit, int(primary), int(secondary), int(shown_errors), int(shown_so_far)) == (
            len(rows), expected_hit, int((misses.origin == "primary").sum()),
            int((misses.origin == "secondary").sum()), errors, so_far), (k, lines[k])
    # The fault's second says where it started; the seconds inside it name it.
    fault = next(e for e in read_events(run_dir) if e.get("fault_edge") == "start")
    k0 = int(fault["t"]) + 1
    assert lines[k0][2].startswith("steady -> fault 0 on primary") and f"at {fault['t']:.1f} s" in lines[k0][2]
    assert lines[k0 + 1][2].startswith("fault 0 on primary")


def start_run(run_dir: Path, duration: int = 20) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scenarios", "run", "primary-killed", "--duration",
                             str(duration), "--out", str(run_dir)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_event(proc: subprocess.Popen[str], run_dir: Path, kind: str) -> dict:
    """Poll events.jsonl (bounded) until an event of ``kind`` is there."""
    deadline = time.monotonic() + 60
    path = run_dir / "events.jsonl"
    while time.monotonic() < deadline:
        if path.exists():
            for event in read_events(run_dir):
                if event["kind"] == kind:
                    return event
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    pytest.fail(f"no {kind} event within 60 s")


def test_edge_dying_fails_the_run_cleanly(tmp_path: Path) -> None:
    run_dir = tmp_path / "edge-died"
    proc = start_run(run_dir)
    try:
        ready = wait_for_event(proc, run_dir, "load-start")
        stack = next(e for e in read_events(run_dir) if e["kind"] == "stack-ready")
        assert ready["t"] == 0.0
        os.kill(stack["params"]["edge"]["pid"], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, stdout[-2000:] + stderr[-2000:]  # the run broke
    assert "error: edge exited unexpectedly" in stdout
    errors = [e for e in read_events(run_dir) if e["kind"] == "error"]
    assert errors and "edge exited unexpectedly" in errors[0]["params"]["message"]
    check_clean_end(run_dir, "failed")
