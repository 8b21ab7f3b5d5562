"""Benchmark: build the report of a 1,000,000-request run, from CSV and from Parquet, and of a
10,000,000-request run from CSV.

A synthetic run folder is generated with numpy (what a 2-minute run at ~8,000 requests
per second would leave behind: requests.csv, the edge's access log, events, scenario),
then ``python -m reports build`` runs on it in a fresh process so that its wall time and
peak resident memory (of the build and of its chart worker, added up) are measured alone,
imports included.
Targets for 1,000,000 requests: at most 2 s and 400 MiB. The 10,000,000-request run has no
target of time or memory: it is built, and its figures are reported (about a minute, most
of it writing its 1.7 GB of files).

    python -m bench reports     # or: make bench (every benchmark)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from edge.pop.logline import FIELDS

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1_000_000
LARGE_ROWS = 10_000_000  # built at all, not all in memory at once: time and memory reported
DURATION_S = 120.0
FAULT_S = (40.0, 80.0)
START_TS = 1764333000.0
TARGET_S, TARGET_MIB = 2.0, 400.0
EDGE_FIELDS = FIELDS  # the edge's own log fields, x-edge-code-ms ('-': no edge code) included
SCENARIO = f"""\
# bench: a synthetic 1,000,000-request run (primary killed from {FAULT_S[0]:g} s to {FAULT_S[1]:g} s)
name: bench
expect:
  faults[0].time_to_failover_s: "< 1.0"
  hit_ratio: "> 0.7"
  latency_ms.p95: "< 250"
"""


def synthetic_requests(rows: int = ROWS, seed: int = 1) -> pa.Table:
    """``rows`` requests over :data:`DURATION_S`: 90 % cached objects, a 10 Hz probe, a fault."""
    rng = np.random.default_rng(seed)
    probes = int(DURATION_S * 10)
    t = np.sort(np.concatenate([np.arange(probes) / 10.0, rng.uniform(0, DURATION_S, rows - probes)]))
    is_probe = np.isin(t, np.arange(probes) / 10.0)
    in_fault = (t >= FAULT_S[0]) & (t < FAULT_S[1])
    hit = ~is_probe & (rng.random(rows) < 0.9)
    # The first 300 ms of the fault fail; later misses go to the secondary.
    failing = ~hit & (t >= FAULT_S[0]) & (t < FAULT_S[0] + 0.3)
    latency = np.where(hit, rng.lognormal(0.7, 0.4, rows), rng.lognormal(2.3, 0.5, rows))
    latency = np.where(~hit & in_fault & ~failing, latency + 20.0, latency)
    status = np.where(failing, 502, 200).astype("int32")
    x_cache = np.where(hit, "Hit", np.where(failing, "Error", "Miss"))
    origin = np.where(failing, "", np.where(~hit & in_fault, "secondary", "primary"))
    names = np.where(is_probe, "/api/probe",
                     np.char.add("/static/obj-", rng.zipf(1.3, rows).clip(max=200).astype("U3")))
    return pa.table({
        "ts": START_TS + t, "latency_ms": np.round(latency, 3), "method": ["GET"] * rows,
        "name": names, "status": status, "ok": (status == 200).astype("int8"),
        "bytes": np.where(failing, 0, 1024), "x_cache": x_cache, "origin": origin,
        "pop": ["LOC1"] * rows, "user": np.where(is_probe, "Probe", "Viewer"),
        "error": np.where(failing, "HTTP 502", ""),
    })


def _edge_log(table: pa.Table, path: Path) -> None:
    """The edge's log of the same requests (fields the report reads, ``-`` elsewhere)."""
    rows = table.num_rows
    origin = table["origin"].to_numpy(zero_copy_only=False)
    failed_over = origin == "secondary"
    columns = {name: pa.array(["-"] * rows) for name in EDGE_FIELDS}
    columns["sc-status"] = pc.cast(table["status"], pa.string())
    columns["x-edge-result-type"] = table["x_cache"]
    columns["x-origin-attempts"] = pa.array(np.where(
        failed_over, "primary:connect-refused|secondary:200",
        np.where(origin == "primary", "primary:200", "-")))
    columns["x-failover-reason"] = pa.array(np.where(failed_over, "connect-error", "-"))
    path.write_text("#Version: 1.0\n#Fields: " + " ".join(EDGE_FIELDS) + "\n")
    with path.open("ab") as handle:
        pacsv.write_csv(pa.table(columns), handle, write_options=pacsv.WriteOptions(
            include_header=False, delimiter="\t", quoting_style="none"))


def make_run(folder: Path, rows: int = ROWS, parquet: bool = False, seed: int = 1) -> Path:
    """A complete synthetic run folder of ``rows`` requests (requests.parquet if ``parquet``)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = synthetic_requests(rows, seed)
    if parquet:
        pq.write_table(table, folder / "requests.parquet")
    else:
        pacsv.write_csv(table, folder / "requests.csv",
                        write_options=pacsv.WriteOptions(quoting_style="needed"))
    _edge_log(table, folder / "edge-access.log")
    events = [("run-start", -1.0, {}), ("load-start", 0.0, {}),
              ("kill", FAULT_S[0], {"fault_id": 0, "fault_edge": "start"}),
              ("restart", FAULT_S[1], {"fault_id": 0, "fault_edge": "end"}),
              ("load-end", DURATION_S, {}), ("run-end", DURATION_S + 0.5, {})]
    lines = []
    for kind, t, extra in events:
        target = "primary" if extra else ""
        params = {"status": "completed"} if kind == "run-end" else {}
        lines.append(json.dumps({"ts": START_TS + t, "t": t, "kind": kind, "target": target,
                                 "params": params, "ok": True, **extra}))
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "scenario.yaml").write_text(SCENARIO)
    return folder


# Each process below writes its peak resident memory (VmHWM: the kernel's high-water mark,
# counted from its exec) to the file named by its first argument, then leaves as the real
# one does (os._exit, no interpreter teardown).
_PEAK = """import os, sys
def _peak(path=sys.argv[1]):
    with open("/proc/self/status") as status, open(path, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
"""
# The chart worker (reports.render.chart_worker), as ``python -m reports.render.chart_worker``.
_WORKER = _PEAK + """from reports.render.chart_worker import main
code = main()
_peak()
sys.stdout.flush()
os._exit(code)
"""
# ``python -m reports build FOLDER`` (reports/__main__.py), its chart worker started as above.
_BUILD = _PEAK + f"""import reports.render.chart_worker as worker
worker.worker_command = lambda peak=sys.argv[1] + ".worker": [sys.executable, "-c", {_WORKER!r}, peak]
from reports.__main__ import main
code = main(["build", sys.argv[2]])
_peak()
sys.stdout.flush()
os._exit(code)
"""


def measure_build(folder: Path) -> dict[str, Any]:
    """Run ``python -m reports build`` on ``folder`` in a child; wall time, CPU and peak RSS.

    The peaks are each process's own (VmHWM): ``ru_maxrss`` of a child also counts what its
    parent held when it forked it, and this process holds the generated rows (about 300 MiB
    more). The build's and its chart worker's peaks are added up, as if both came at once.
    """
    peak_file = folder / ".peak-kib"
    worker_file = folder / ".peak-kib.worker"
    started = time.perf_counter()
    # A synthetic run is no run of the user's: kept out of their run history.
    child = subprocess.Popen([sys.executable, "-c", _BUILD, str(peak_file), str(folder)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "HARNESS_HISTORY": "off"})
    assert child.stderr is not None
    errors = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"report build failed: {errors.strip()}")
    build = int(peak_file.read_text()) / 1024
    worker = int(worker_file.read_text()) / 1024 if worker_file.exists() else 0.0
    # CPU time says what the build costs even when other work shares the cores (the
    # worker's included: a grandchild's time reaches the build when it waits for it).
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "build_rss_mib": round(build, 1), "worker_rss_mib": round(worker, 1),
            "peak_rss_mib": round(build + worker, 1)}


def main(rows: int = ROWS, large_rows: int = LARGE_ROWS) -> dict[str, Any]:
    """Generate, build from CSV and from Parquet, then a ``large_rows`` CSV run (no target:
    built at all, its time and memory reported); print a table; return the numbers."""
    results: dict[str, Any] = {"rows": rows, "target_seconds": TARGET_S, "target_rss_mib": TARGET_MIB}
    cases = [("csv", rows), ("parquet", rows), ("large", large_rows)]
    for case, count in cases:
        with tempfile.TemporaryDirectory(prefix="reports-bench-") as temp:  # 1.7 GB at 10M rows
            folder = make_run(Path(temp) / case, count, parquet=case == "parquet")
            data = folder / f"requests.{'parquet' if case == 'parquet' else 'csv'}"
            results[case] = {"rows": count, "file_mib": round(data.stat().st_size / 2**20, 1),
                             **measure_build(folder)}
    results["passed"] = all(results[s]["seconds"] <= TARGET_S and results[s]["peak_rss_mib"] <= TARGET_MIB
                            for s in ("csv", "parquet"))
    results["load_average"] = round(os.getloadavg()[0], 2)
    print(f"report build (targets for {rows:,} requests: <= {TARGET_S:g} s, <= {TARGET_MIB:g} MiB)")
    print(f"  {'requests':>10} {'storage':17} {'file MiB':>9} {'build s':>8} {'CPU s':>6} {'build MiB':>10} "
          f"{'worker MiB':>11} {'peak RSS MiB':>13}")
    for case, count in cases:
        r = results[case]
        storage = "requests." + ("parquet" if case == "parquet" else "csv")
        print(f"  {count:>10,} {storage:17} {r['file_mib']:>9} {r['seconds']:>8} {r['cpu_seconds']:>6} "
              f"{r['build_rss_mib']:>10} {r['worker_rss_mib']:>11} {r['peak_rss_mib']:>13}")
    print(f"  {'PASS' if results['passed'] else 'FAIL'} (load average {results['load_average']:g} on "
          f"{os.cpu_count()} cores: other work on the machine slows the wall time)")
    return results


if __name__ == "__main__":
    sys.exit(0 if main()["passed"] else 1)
