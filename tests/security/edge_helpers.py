"""Start a real edge for security tests, and read its access log."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from contracts.tls import CA
from scenarios.stack.procs import REPO_ROOT
from tests.security.conftest import TLS_LISTENERS, session_tls_dir
from tests.stack_helpers import EdgeProcess, start_edge_process

DISTRIBUTIONS = REPO_ROOT / "distributions"
FLE_FILES = [str(p) for p in sorted((DISTRIBUTIONS / "fle").glob("*.json"))]
OAC_FILE = str(DISTRIBUTIONS / "oac" / "harness-oac.json")
# Both origin ids mapped to the discard port: for edges that must refuse to start.
UNREACHABLE_ORIGINS = {"primary": "127.0.0.1:9", "secondary": "127.0.0.1:9"}


def unreachable_tls() -> list[str]:
    """The same, over TLS (the FLE and OAC distributions reach their origins over HTTPS)."""
    return ["--tls-dir", str(session_tls_dir()), "--origin-tls", "primary=127.0.0.1:9",
            "--origin-tls", "secondary=127.0.0.1:9"]


class Edge(EdgeProcess):
    @property
    def url(self) -> str:
        """The HTTPS listener when the edge has one (the FLE and OAC distributions want HTTPS)."""
        tls = self.child.ready.get("listen_tls")
        return f"https://localhost:{str(tls).rsplit(':', 1)[1]}" if tls else super().url

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return requests.get(self.url + path, verify=str(session_tls_dir() / CA), **kwargs)

    def log_records(self, at_least: int, timeout_s: float = 10.0) -> list[dict[str, str]]:
        """The access log's records once it has ``at_least`` of them (the edge flushes every 0.5 s)."""
        from edge.pop.logline import parse_line

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
        return requests.post(self.url + path, data=body, headers=headers, timeout=20,
                             verify=str(session_tls_dir() / CA), **kwargs)


@contextmanager
def running_edge(config: str | Path, origins: dict[str, str], log_path: Path, *extra: str) -> Iterator[Edge]:
    """An edge on ``config``; origins with a TLS listener are mapped to it too (--origin-tls),
    and the edge listens for HTTPS viewers."""
    tls = [f"{origin_id}={TLS_LISTENERS[address]}" for origin_id, address in origins.items()
           if address in TLS_LISTENERS]
    https = ["--listen-tls", "127.0.0.1:0", "--tls-dir", str(session_tls_dir())] if tls else []
    for mapping in tls:
        https += ["--origin-tls", mapping]
    child = start_edge_process("edge", config, origins, *https, *extra, access_log=log_path)
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
