"""Fixtures: "remote" origins and a "real" distribution, stood in for by processes on loopback.

The harness under test is handed only their URLs (and tokens through environment
variables), exactly as it would be for a CloudFront distribution and origins on other hosts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from origins.client import OriginControl
from scenarios.stack.procs import Child
from tests.stack_helpers import start_edge_process, start_origin_process

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DISTRIBUTION = REPO / "distributions" / "default.json"
TOKENS = {"primary": "primary-token-1", "secondary": "secondary-token-2"}
TOKEN_ENV = {"primary": "TEST_PRIMARY_CONTROL_TOKEN", "secondary": "TEST_SECONDARY_CONTROL_TOKEN"}


@dataclass
class RemoteOrigin:
    child: Child
    name: str

    @property
    def data_url(self) -> str:
        return f"http://{self.child.ready['listen']}"

    @property
    def control_url(self) -> str:
        return f"http://{self.child.ready['control']}"

    def control(self) -> OriginControl:
        return OriginControl(self.control_url, token=TOKENS[self.name])


@dataclass
class Deployment:
    """Two token-guarded origins and an edge in front of them, all started by the test."""

    origins: dict[str, RemoteOrigin]
    edge: Child

    @property
    def target(self) -> str:
        return f"http://{self.edge.ready['listen']}"

    def edge_requests(self) -> int:
        """Viewer requests the stand-in distribution has seen so far (its admin API)."""
        return int(requests.get(f"http://{self.edge.ready['admin']}/stats", timeout=5,
                                headers={"Authorization": f"Bearer {self.edge.ready['token']}"}).json()["requests"])


def start_remote_origin(name: str, log_dir: Path) -> RemoteOrigin:
    child = start_origin_process(name, log_path=log_dir / f"{name}.log", token=TOKENS[name])
    return RemoteOrigin(child, name)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    logs = tmp_path_factory.mktemp("deployment")
    origins: dict[str, RemoteOrigin] = {}
    edge: Child | None = None
    try:
        for name in ("primary", "secondary"):
            origins[name] = start_remote_origin(name, logs)
        edge = start_edge_process("edge", DEFAULT_DISTRIBUTION,
                                  {o.name: o.child.ready["listen"] for o in origins.values()},
                                  access_log=logs / "edge-access.log", log_path=logs / "edge.log")
        yield Deployment(origins, edge)
    finally:
        if edge is not None:
            edge.stop()
        for origin in origins.values():
            origin.child.stop()


@pytest.fixture(autouse=True)
def _healthy_origins(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test leaves the stand-in origins without faults (as Toxiproxy's /reset)."""
    yield
    if "deployment" in request.fixturenames:
        for origin in request.getfixturevalue("deployment").origins.values():
            origin.control().reset()


def token_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({TOKEN_ENV[name]: token for name, token in TOKENS.items()})
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 100) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env=env if env is not None else token_env())


def scenario_text(target: str | None, origins: dict[str, str], steps: str = "", extra: str = "",
                  duration: str = "8s", users: int = 5) -> str:
    """A scenario file naming a target and remote origins by control URL."""
    lines = ["# remote: the same timeline against a distribution the harness did not start.",
             f"distribution: {DEFAULT_DISTRIBUTION}"]
    if target is not None:
        lines.append(f"target: {target}")
    if origins:
        lines.append("origins:")
        lines += [f"  {name}: {{control: {url}, token_env: {TOKEN_ENV.get(name, 'UNSET_VAR')}}}"
                  for name, url in origins.items()]
    lines.append(f"load: {{users: {users}, spawn_rate: {users}, duration: {duration}, "
                 "probe_interval: 100ms, catalogue_size: 500}")
    if steps:
        lines.append("steps:")
        lines += [f"  - {s.strip()}" for s in steps.strip().splitlines()]
    return "\n".join(lines) + "\n" + extra
