"""Run the harness's Locust headless from Python (tests, benchmarks) and read what it leaves.

A distributed run is a master plus worker processes started as they would be on other
machines (``--worker --master-host``); the master writes ``--requests-csv`` and ``--json-file``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HARNESS = Path(__file__).resolve().parent / "harness.py"


def locust_argv(*args: str, loglevel: str = "WARNING") -> list[str]:
    """argv of ``locust -f locustfiles/harness.py`` with this interpreter."""
    return [sys.executable, "-m", "locust", "-f", str(HARNESS), "--loglevel", loglevel, *args]


def master_args(port: int, workers: int) -> list[str]:
    """A master on loopback ``port`` that starts the load once ``workers`` workers connected."""
    return ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
            "--expect-workers", str(workers)]


@contextmanager
def master_and_workers(master_argv: list[str], workers: int, port: int, *, cwd: Path,
                       loglevel: str = "WARNING", master_stderr: int = subprocess.DEVNULL,
                       worker_timeout: float = 30) -> Iterator[tuple[subprocess.Popen[str], list[subprocess.Popen[str]]]]:
    """Start the master (``master_argv``) and ``workers`` worker processes connecting to ``port``.

    The body waits for the master; on leaving it normally the workers get ``worker_timeout``
    seconds to exit. Whatever still runs afterwards (or after an error) is killed.
    """
    master = subprocess.Popen(master_argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=master_stderr, text=True)
    helpers = [subprocess.Popen(locust_argv("--worker", "--master-host", "127.0.0.1", "--master-port", str(port),
                                            loglevel=loglevel),
                                cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
               for _ in range(workers)]
    try:
        yield master, helpers
        for worker in helpers:
            worker.wait(worker_timeout)
    finally:
        for proc in (master, *helpers):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a ``--requests-csv`` file, by column name."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def locust_count(stats_json: Path) -> int:
    """Locust's own final request count, from the ``BASE.json`` that ``--json-file BASE`` wrote."""
    return sum(s["num_requests"] for s in json.loads(stats_json.read_text()))
