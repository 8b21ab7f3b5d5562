"""Start a real edge for security tests, and read its access log."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from scenarios.procs import REPO_ROOT, Child, python_module_argv, start

DISTRIBUTIONS = REPO_ROOT / "distributions"
FLE_FILES = [str(p) for p in sorted((DISTRIBUTIONS / "fle").glob("*.json"))]
OAC_FILE = str(DISTRIBUTIONS / "oac" / "harness-oac.json")


@dataclass
class Edge:
    child: Child
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.child.ready['listen']}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.child.ready['admin']}"

    def log_records(self, at_least: int, timeout_s: float = 10.0) -> list[dict[str, str]]:
        """The access log's records once it has ``at_least`` of them (the edge flushes every 0.5 s)."""
        from edge.accesslog import parse_line

        deadline = time.monotonic() + timeout_s
        while True:
            text = self.log_path.read_text() if self.log_path.exists() else ""
            records = [parse_line(x) for x in text.splitlines() if x and not x.startswith("#")]
            if len(records) >= at_least or time.monotonic() > deadline:
                return records
            time.sleep(0.05)

    def post(self, path: str, body: bytes | str, content_type: str = "application/x-www-form-urlencoded",
             **kwargs: Any) -> requests.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        return requests.post(self.url + path, data=body, headers=headers, timeout=20, **kwargs)


@contextmanager
def running_edge(config: str | Path, origins: dict[str, str], log_path: Path, *extra: str) -> Iterator[Edge]:
    argv = python_module_argv("edge", "--config", str(config), "--listen", "127.0.0.1:0",
                              "--access-log", str(log_path), "--admin", "127.0.0.1:0", *extra)
    for origin_id, listen in origins.items():
        argv += ["--origin", f"{origin_id}={listen}"]
    child = start("edge", argv)
    try:
        yield Edge(child, log_path)
    finally:
        child.stop()


def variant(name: str, tmp: Path, change: Any) -> Path:
    """A copy of distributions/NAME.json with ``change(config)`` applied, written under ``tmp``."""
    doc = json.loads((DISTRIBUTIONS / f"{name}.json").read_text())
    config = copy.deepcopy(doc)
    change(config["DistributionConfig"])
    path = tmp / f"{name}-variant.json"
    path.write_text(json.dumps(config))
    return path
