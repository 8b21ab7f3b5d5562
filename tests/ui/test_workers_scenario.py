"""``python -m scenarios run --workers 2``: a short scenario with a Locust master and two local
workers loses no request record and measures what a one-process run measures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIO = """\
# workers-check: a short steady run, used to compare one Locust process with two workers.
distribution: distributions/default.json
load: {users: 10, spawn_rate: 10, duration: 8s, probe_interval: 100ms}
"""

pytestmark = pytest.mark.slow


def run(tmp_path: Path, workers: int) -> tuple[dict, int, int]:
    scenario = tmp_path / "workers-check.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / f"run-{workers}"
    result = subprocess.run(
        [sys.executable, "-m", "scenarios", "run", str(scenario), "--out", str(out), "--workers", str(workers)],
        cwd=REPO, capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    rows = len((out / "requests.csv").read_text().splitlines()) - 1
    # Locust's own final count: the master's summary table (forked workers print none)
    totals = re.findall(r"^\s+Aggregated\s+(\d+)\s+\d+\(", (out / "logs" / "locust.log").read_text(), re.M)
    assert totals, (out / "logs" / "locust.log").read_text()[-2000:]
    return json.loads((out / "summary.json").read_text()), rows, int(totals[-1])


def test_two_workers_lose_nothing_and_match_one_process(tmp_path) -> None:
    single, single_rows, single_count = run(tmp_path, 0)
    multi, multi_rows, multi_count = run(tmp_path, 2)
    assert multi_rows == multi_count and single_rows == single_count
    assert multi["errors"] == single["errors"] == 0
    # Same load, same edge: the hit ratio depends on the catalogue, not on the process count;
    # the rate on the users' 10 req/s cap (start-up differs slightly: workers connect first).
    assert multi["hit_ratio"] == pytest.approx(single["hit_ratio"], abs=0.1)
    assert multi["requests"] == pytest.approx(single["requests"], rel=0.3)
    assert multi["latency_ms"]["p50"] < 50 and single["latency_ms"]["p50"] < 50  # loopback
