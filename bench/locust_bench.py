"""Benchmark: requests/s the harness generates with 1 and 2 Locust workers, request log on/off.

A real stack (two origins, the edge with the default distribution) serves a warm cache; a
headless Locust master with N worker processes (``--worker --master-host``, as on other
machines) drives as many viewers as it can. Each configuration runs :data:`RUN_S` seconds and
is measured over a steady window that leaves out the ramp-up and the stop:

* req/s: what the edge itself counted (its admin ``/stats``);
* CPU per request: the Locust processes' CPU time (``/proc/PID/stat``, master and workers)
  over the requests of that window. The log's cost is judged on this number: on a machine
  whose cores are shared (the edge, the origins, anything else running) throughput swings by
  tens of percent from one run to the next, while CPU per request stays put, and at
  saturation throughput is cores / CPU per request anyway.

Even so, two runs of the same configuration differ by several percent here, more than the
log costs. So the log's own path is also timed alone, per request: building the row and
packing it on the worker, unpacking, formatting and writing it on the master. Its share of
the CPU a request costs without the log is the number held to the target (at most 5 %);
the end-to-end difference is printed next to it.

With the log on, ``requests.csv`` must hold at least Locust's own final count (the master's
``--json-file``; under saturation Locust's last worker report can miss the master's exit, so
the rows may be more, never fewer).

Everything shares this machine's cores (the edge too), so the numbers say what the harness
can drive *here*, not what Locust can do alone.

    python -c "import bench.locust_bench as b; b.main()"     # or: make bench
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from locustfiles.headless import locust_argv, locust_count, master_and_workers, master_args  # noqa: E402
from locustfiles.request_log import event_row, format_row  # noqa: E402
from scenarios.run.workers import free_port  # noqa: E402
from scenarios.spec.loader import parse_scenario  # noqa: E402
from scenarios.stack.local import Stack  # noqa: E402

RUN_S = 7
STEADY_S = (2.0, 5.5)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # seconds after the first request: after the ramp-up, before the stop
VIEWERS = 1000         # x 10 req/s each: 10,000 planned, more than Locust drives on two shared cores
PLANNED_RPS = VIEWERS * 10
WORKER_COUNTS = (1, 2)
TARGET_LOG_COST = 0.05


def edge_count(admin: str, token: str) -> int:
    answer = requests.get(f"http://{admin}/stats", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return int(answer.json()["requests"])


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of ``pids`` (the ones still running), from ``/proc/PID/stat``."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def steady_window(admin: str, token: str, pids: list[int]) -> tuple[float, float]:
    """(req/s at the edge, Locust CPU microseconds per request) over :data:`STEADY_S`."""
    base = edge_count(admin, token)
    deadline = time.monotonic() + 60
    while edge_count(admin, token) == base:  # the load has not reached the edge yet
        if time.monotonic() > deadline:
            return 0.0, 0.0
        time.sleep(0.05)
    first = time.monotonic()
    time.sleep(STEADY_S[0])
    t1, n1, c1 = time.monotonic(), edge_count(admin, token), cpu_seconds(pids)
    time.sleep(max(0.0, first + STEADY_S[1] - time.monotonic()))
    t2, n2, c2 = time.monotonic(), edge_count(admin, token), cpu_seconds(pids)
    done = max(n2 - n1, 1)
    return done / (t2 - t1), (c2 - c1) / done * 1e6


def run_once(stack: Stack, workers: int, log_on: bool, out: Path) -> dict[str, Any]:
    """One headless run: a master and ``workers`` worker processes; returns its numbers."""
    out.mkdir(parents=True)
    port = free_port()
    log_args = ["--requests-csv", str(out / "requests.csv")] if log_on else []
    master_argv = locust_argv("--headless", *master_args(port, workers), "-u", str(VIEWERS + 1),
                              "-r", str(VIEWERS + 1), "-t", f"{RUN_S}s", "--host", stack.edge_url,
                              "--json-file", str(out / "stats"), "--only-summary", "--stop-timeout", "2",
                              "--exit-code-on-error", "0", *log_args, loglevel="ERROR")
    with master_and_workers(master_argv, workers, port, cwd=ROOT, loglevel="ERROR") as (master, helpers):
        assert stack.edge is not None
        rate, cpu_us = steady_window(str(stack.edge.ready["admin"]), stack.admin_token,
                                     [master.pid, *(w.pid for w in helpers)])
        master.wait(RUN_S + 60)
    count = locust_count(out / "stats.json")
    rows = None
    if log_on:
        with open(out / "requests.csv") as f:
            rows = sum(1 for _ in f) - 1
    return {"workers": workers, "log": log_on, "requests": count, "rows": rows, "rps": round(rate, 1),
            "cpu_us_per_request": round(cpu_us, 1)}


class _Response:
    """Stands in for Locust's response object (a third-party type): what the log reads."""

    status_code = 200
    headers = {"X-Cache": "Hit from cloudfront", "X-Origin-Id": "primary", "X-Amz-Cf-Pop": "EMU50-C1"}


def log_path_us(n: int = 20000) -> dict[str, float]:
    """Microseconds per request of the log's own path, worker side and master side."""
    import msgpack  # Locust's own wire format

    event = {"request_type": "GET", "name": "/static/[obj]", "response_time": 3.2, "response_length": 4096,
             "response": _Response(), "context": {"user": "Viewer"}, "exception": None,
             "start_time": time.time()}
    t0 = time.perf_counter()
    rows = [event_row(**event) for _ in range(n)]
    packed = msgpack.packb(rows)
    t1 = time.perf_counter()
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(format_row(r) for r in msgpack.unpackb(packed))
    t2 = time.perf_counter()
    return {"worker": (t1 - t0) / n * 1e6, "master": (t2 - t1) / n * 1e6}


def _table(results: list[dict[str, Any]], costs: dict[int, float]) -> str:
    lines = [f"{'workers':>7} {'log':>4} {'requests':>9} {'rows':>9} {'req/s':>9} {'of plan':>8} {'CPU us/req':>11} "
             f"{'e2e cost':>9}"]
    for r in results:
        cost = f"{costs[r['workers']] * 100:+.1f}%" if r["log"] else ""
        rows = "" if r["rows"] is None else str(r["rows"])
        lines.append(f"{r['workers']:>7} {'on' if r['log'] else 'off':>4} {r['requests']:>9} {rows:>9} "
                     f"{r['rps']:>9.1f} {r['rps'] / PLANNED_RPS:>8.0%} {r['cpu_us_per_request']:>11.1f} {cost:>9}")
    return "\n".join(lines)


@contextmanager
def default_stack(prefix: str) -> Iterator[tuple[Stack, Path]]:
    """Two origins and the edge on distributions/default.json, as a run starts them, with
    the temporary run folder they write to; stopped on leaving."""
    scenario = parse_scenario(json.dumps({"name": "bench", "distribution": "distributions/default.json"}),
                              "bench", base=ROOT)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        run_dir = Path(tmp)
        (run_dir / "logs").mkdir()
        stack = Stack(scenario, run_dir)
        try:
            stack.start()
            yield stack, run_dir
        finally:
            stack.stop()


def main() -> dict[str, Any]:
    """Run the four configurations, print the table, return the numbers."""
    started = time.monotonic()
    results: list[dict[str, Any]] = []
    with default_stack("locust-bench-") as (stack, run_dir):
        for workers in WORKER_COUNTS:
            for log_on in (False, True):
                name = f"w{workers}-{'on' if log_on else 'off'}"
                results.append(run_once(stack, workers, log_on, run_dir / name))
    cpu = {(r["workers"], r["log"]): r["cpu_us_per_request"] for r in results}
    costs = {w: cpu[(w, True)] / max(cpu[(w, False)], 1e-9) - 1 for w in WORKER_COUNTS}
    path = log_path_us()
    base_cpu = min(cpu[(w, False)] for w in WORKER_COUNTS)
    path_cost = (path["worker"] + path["master"]) / max(base_cpu, 1e-9)
    lost = [r for r in results if r["log"] and r["rows"] < r["requests"]]
    print(f"Locust harness throughput ({VIEWERS} viewers + probe, {RUN_S} s a run, edge on this machine; "
          f"{PLANNED_RPS:,} req/s planned, so a run that reaches less is at Locust's saturation)")
    print(_table(results, costs))
    verdict = "OK" if path_cost <= TARGET_LOG_COST else "OVER TARGET"
    print(f"log path alone: {path['worker']:.1f} us/request on the worker + {path['master']:.1f} us on the "
          f"master = {path_cost * 100:.1f}% of {base_cpu:.0f} us/request "
          f"(target <= {TARGET_LOG_COST * 100:.0f}%): {verdict}")
    print(f"rows lost: {'none' if not lost else lost}; {time.monotonic() - started:.0f} s")
    return {"runs": results, "log_cost_end_to_end": {str(w): round(c, 4) for w, c in costs.items()},
            "log_path_us": {k: round(v, 2) for k, v in path.items()}, "log_cost": round(path_cost, 4),
            "target_log_cost": TARGET_LOG_COST, "within_target": path_cost <= TARGET_LOG_COST,
            "rows_match": not lost}


if __name__ == "__main__":
    main()
