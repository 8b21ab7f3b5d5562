"""Fixtures: real origins (``python -m origins``) and edges on ephemeral loopback ports."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

from tests.edge import configs
from tests.stack_helpers import EdgeProcess, OriginProcess, start_edge_process, start_origin_process, stopped_after


@dataclass
class RunningOrigin(OriginProcess):
    name: str


class RunningEdge(EdgeProcess):
    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 20)
        return requests.get(self.url + path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 20)
        return requests.request(method, self.url + path, **kwargs)

    def log_lines(self) -> list[dict[str, str]]:
        """The access log records (call after the edge stopped, or wait for a flush)."""
        from edge.pop.logline import parse_line
        return [parse_line(x) for x in self.log_path.read_text().splitlines()
                if x and not x.startswith("#")]


def start_origin(name: str, listen: str = "127.0.0.1:0") -> RunningOrigin:
    return RunningOrigin(start_origin_process(name, listen=listen), name)


@pytest.fixture(scope="session")
def primary() -> Iterator[RunningOrigin]:
    yield from stopped_after(start_origin("primary"))


@pytest.fixture(scope="session")
def secondary() -> Iterator[RunningOrigin]:
    yield from stopped_after(start_origin("secondary"))


@pytest.fixture(autouse=True)
def _healthy_origins(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test ends with fault-free origins."""
    yield
    for name in ("primary", "secondary"):
        if name in request.fixturenames:
            request.getfixturevalue(name).control.reset()


EdgeFactory = Callable[..., RunningEdge]


def _edge_factory(directory: Path, primary: RunningOrigin, secondary: RunningOrigin,
                  edges: list[RunningEdge]) -> EdgeFactory:
    def factory(document: dict[str, Any], *extra: str,
                origins: dict[str, str] | None = None, token: str | None = None) -> RunningEdge:
        n = len(edges)
        config = directory / f"dist-{n}.json"
        config.write_text(json.dumps(document))
        log_path = directory / f"edge-{n}.log"
        mapping = origins or {"primary": primary.listen, "secondary": secondary.listen}
        child = start_edge_process(f"edge-{n}", config, mapping, *extra, access_log=log_path,
                                   log_path=directory / f"edge-{n}.out", token=token)
        edge = RunningEdge(child, log_path)
        edges.append(edge)
        return edge

    return factory


@pytest.fixture
def make_edge(tmp_path: Path, primary: RunningOrigin, secondary: RunningOrigin
              ) -> Iterator[EdgeFactory]:
    """Start an edge for a DistributionConfig document, mapped to the two test origins."""
    edges: list[RunningEdge] = []
    yield _edge_factory(tmp_path, primary, secondary, edges)
    for edge in edges:
        edge.child.stop()


@pytest.fixture(scope="module")
def shared_edge(tmp_path_factory: pytest.TempPathFactory, primary: RunningOrigin,
                secondary: RunningOrigin) -> Iterator[RunningEdge]:
    """One edge on the default test distribution for a whole module (tests use own paths)."""
    edges: list[RunningEdge] = []
    yield _edge_factory(tmp_path_factory.mktemp("edge"), primary, secondary, edges)(
        configs.distribution())
    for edge in edges:
        edge.child.stop()


class _EchoHandler(BaseHTTPRequestHandler):
    """Answers with the request line and headers it received, as JSON."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Origin-Id", "echo")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_origin() -> Iterator[str]:
    # The real origin does not report request headers, so this test origin does.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
