"""Locust beyond one process: a master plus N local worker processes, and room for remote ones.

``--workers N`` becomes Locust's ``--processes N`` (one command: the master forks N workers,
and in headless runs waits for all of them before the load starts). The master's port is
bound to loopback on a free port unless ``--master-bind HOST:PORT`` opens it to workers on
other machines (``locust -f locustfiles/harness.py --worker --master-host HOST --master-port PORT``).
The fault timeline stays with the runner, which only talks to the master; workers relay their
request rows to the master (:mod:`locustfiles.relay`).
"""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

from scenarios.errors import ScenarioInputError

MAX_WORKERS = 64
DEFAULT_MASTER_PORT = 5557


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host`` (Locust's master cannot bind port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def parse_master_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` / ``:PORT`` / ``PORT`` -> (host, port); ``ValueError`` saying what is allowed."""
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"expected HOST:PORT like 0.0.0.0:{DEFAULT_MASTER_PORT}, got {text!r}") from None
    if not 1 <= number <= 65535:
        raise ValueError(f"port must be within 1..65535, got {number}")
    return host or "127.0.0.1", number


def check_workers(workers: int) -> int:
    if not 0 <= workers <= MAX_WORKERS:
        raise ValueError(f"must be within 0..{MAX_WORKERS}, got {workers}")
    return workers


def locust_worker_args(workers: int, master_bind: str | None = None) -> list[str]:
    """Extra Locust arguments for a master with ``workers`` local worker processes.

    ``workers == 0`` without ``master_bind`` is a single process (no extra arguments);
    ``workers == 0`` with ``master_bind`` is a master waiting for remote workers only.
    """
    check_workers(workers)
    if workers == 0 and master_bind is None:
        return []
    host, port = parse_master_bind(master_bind) if master_bind else ("127.0.0.1", free_port())
    # --master-port is where the forked local workers connect: the master's own port.
    bind = ["--master-bind-host", host, "--master-bind-port", str(port), "--master-port", str(port)]
    return ["--processes", str(workers), *bind] if workers else ["--master", *bind]


def with_workers(scenario: Any, workers: int | None) -> Any:
    """``scenario`` whose Locust runs as a master plus ``workers`` local processes.

    The arguments join the scenario's ``stack.locust`` ones, so repeated runs and variants get
    them too and the run folder's ``scenario.yaml`` records them.
    """
    if not workers:
        return scenario
    try:
        args = locust_worker_args(workers)
    except ValueError as exc:
        raise ScenarioInputError(f"--workers: {exc}") from None
    stack_args = replace(scenario.stack_args, locust=(*scenario.stack_args.locust, *args))
    return replace(scenario, stack_args=stack_args)
