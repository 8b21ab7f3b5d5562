"""Fixtures: real origin processes on ephemeral loopback ports, reset after every test."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from origins.client import OriginControl
from scenarios.stack.procs import Child
from tests.stack_helpers import start_origin_process

TOKEN = "test-token"


class Origin:
    """A running origin process with its data base URL and control client."""

    def __init__(self, child: Child, token: str | None = None) -> None:
        self.child = child
        self.listen = child.ready["listen"]
        self.url = f"http://{self.listen}"
        self.control_url = f"http://{child.ready['control']}"
        token = token or str(child.ready["token"])  # given, or the origin's own (ready file)
        self.control = OriginControl(self.control_url, token=token)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.port = int(self.listen.rsplit(":", 1)[1])

    def get(self, path: str, **kwargs: object) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return requests.get(self.url + path, **kwargs)  # type: ignore[arg-type]


def start_origin(name: str, *extra: str) -> Child:
    return start_origin_process(name, *extra)


@pytest.fixture(scope="session")
def origin() -> Iterator[Origin]:
    child = start_origin("primary")
    try:
        yield Origin(child)
    finally:
        child.stop()


@pytest.fixture(scope="session")
def secondary() -> Iterator[Origin]:
    child = start_origin("secondary", "--max-age", "60")
    try:
        yield Origin(child)
    finally:
        child.stop()


@pytest.fixture(scope="session")
def guarded() -> Iterator[Origin]:
    """An origin whose control API needs a bearer token."""
    child = start_origin_process("guarded", token=TOKEN)  # HARNESS_TOKEN, never argv
    try:
        yield Origin(child, token=TOKEN)
    finally:
        child.stop()


@pytest.fixture(autouse=True)
def _reset_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts and ends with healthy origins (as Toxiproxy's /reset)."""
    yield
    for name in ("origin", "secondary", "guarded"):
        if name in request.fixturenames:
            request.getfixturevalue(name).control.reset()
