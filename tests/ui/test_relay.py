"""Load beyond one process: workers relay every request row to the master's one requests.csv.

Real Locust against a real origin: a headless master and two worker processes started as
they would be on other machines (``--worker --master-host``, no ``--requests-csv``: they learn
it from the master). Locust's own final count (the master's ``--json-file``, written after the
workers' last reports) must equal the rows written, and the numbers must match a one-process
run of the same load.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from locustfiles.headless import locust_argv, locust_count, master_and_workers, master_args, read_rows
from scenarios.run.workers import free_port
from scenarios.stack import procs
from tests.stack_helpers import start_origin_process, stopped_cleanly_after

REPO = Path(__file__).resolve().parents[2]
RUN_S = 4
VIEWERS = 6  # at most 10 req/s each, plus the probe's 10/s


@pytest.fixture(scope="module")
def origin():
    yield from stopped_cleanly_after(start_origin_process("primary"))


def run_locust(origin: procs.Child, out: Path, workers: int) -> tuple[list[dict[str, str]], int, str]:
    out.mkdir()
    port = free_port()
    distributed = master_args(port, workers) if workers else []
    master_argv = locust_argv("--headless", "-u", str(VIEWERS + 1), "-r", str(VIEWERS + 1), "-t", f"{RUN_S}s",
                              "--host", f"http://{origin.ready['listen']}", "--requests-csv", str(out / "requests.csv"),
                              "--json-file", str(out / "stats"), "--only-summary", "--stop-timeout", "2",
                              "--exit-code-on-error", "0", *distributed)
    with master_and_workers(master_argv, workers, port, cwd=REPO, master_stderr=subprocess.PIPE) as (master, _):
        _, stderr = master.communicate(timeout=90)
    assert master.returncode == 0, stderr[-2000:]
    return read_rows(out / "requests.csv"), locust_count(out / "stats.json"), stderr


@pytest.fixture(scope="module")
def runs(origin, tmp_path_factory):
    base = tmp_path_factory.mktemp("relay")
    return {workers: run_locust(origin, base / f"w{workers}", workers) for workers in (0, 2)}


def test_no_row_is_lost_with_two_workers(runs) -> None:
    rows, count, stderr = runs[2]
    assert "relay" not in stderr.lower() and "Traceback" not in stderr, stderr[-2000:]
    assert count > 0 and len(rows) == count
    # one file, one header, whole lines: every row parses into the contract's columns
    assert all(r["user"] in ("Viewer", "Probe") and r["status"] == "200" for r in rows)


def test_two_workers_match_one_process(runs) -> None:
    single, single_count, _ = runs[0]
    multi, multi_count, _ = runs[2]
    assert len(single) == single_count
    users = {n: Counter(r["user"] for r in rows) for n, rows in ((0, single), (2, multi))}
    # The same load either way: 6 viewers at <= 10 req/s and a 10/s probe for 4 s. Start-up
    # and stop differ by a fraction of a second between the modes (workers must connect
    # first), hence 30 % on the totals.
    for user in ("Viewer", "Probe"):
        assert users[2][user] == pytest.approx(users[0][user], rel=0.3), (user, users)
    assert 20 <= users[2]["Probe"] <= 45, users  # ~40 ticks in 4 s
    latency = {n: sorted(float(r["latency_ms"]) for r in rows) for n, rows in ((0, single), (2, multi))}
    medians = {n: v[len(v) // 2] for n, v in latency.items()}
    # loopback to one origin: milliseconds either way; generous for 2 shared cores
    assert medians[2] < 50 and medians[0] < 50, medians
