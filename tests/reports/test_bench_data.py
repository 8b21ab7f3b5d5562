"""The benchmark's synthetic run is a faithful run folder: the report reads what it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import reports_bench
from reports.build import summarize
from reports.read.load import read_run


@pytest.mark.parametrize("parquet", [False, True])
def test_synthetic_run_reads_back(tmp_path: Path, parquet: bool) -> None:
    folder = reports_bench.make_run(tmp_path / "run", rows=20_000, parquet=parquet)
    assert (folder / "requests.parquet").exists() is parquet
    summary = summarize(read_run(folder))
    assert summary["requests"] == 20_000 and summary["duration_s"] == reports_bench.DURATION_S
    assert summary["probe"]["requests"] == 1200 and summary["probe"]["interval_s"] == 0.1
    # 90 % of viewer requests are hits by construction; the 1,200 probes all miss.
    assert summary["hit_ratio"] == pytest.approx(0.9 * 18_800 / 20_000, abs=0.01)
    fault = summary["faults"][0]
    assert (fault["t0"], fault["t1"]) == reports_bench.FAULT_S
    # Misses fail for 300 ms, then the secondary serves them: failover shortly after 0.3 s.
    assert 0.3 <= fault["time_to_failover_s"] < 0.5
    edge = summary["edge_log"]
    assert edge["available"] and not edge["mismatch"] and edge["requests"] == 20_000
    assert set(edge["origin_attempts"]) == {"primary", "secondary"}
