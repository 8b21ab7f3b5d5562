"""Start real origins (``python -m origins``) and edges (``python -m edge``) for tests.

Every process listens on ephemeral loopback ports and is started through
:func:`scenarios.stack.procs.start`, which waits for its ready file; the real addresses are in the
returned :class:`~scenarios.stack.procs.Child`'s ``ready``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from contracts.token import TOKEN_ENV
from origins.client import OriginControl
from scenarios.stack.procs import Child, python_module_argv, start

LOOPBACK_ANY = "127.0.0.1:0"


class _Running(Protocol):
    child: Child


T = TypeVar("T", bound=_Running)


@dataclass
class OriginProcess:
    """A started origin: its data address and its control API."""

    child: Child

    @property
    def listen(self) -> str:
        return str(self.child.ready["listen"])

    @property
    def url(self) -> str:
        return f"http://{self.listen}"

    @property
    def control_url(self) -> str:
        return f"http://{self.child.ready['control']}"

    @property
    def control(self) -> OriginControl:
        # The origin's control token: its own (random) one, from the ready file (contracts/token.py).
        return OriginControl(self.control_url, token=str(self.child.ready["token"]))


@dataclass
class EdgeProcess:
    """A started edge (with its admin API) and the access log it writes."""

    child: Child
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.child.ready['listen']}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.child.ready['admin']}"

    @property
    def admin_auth(self) -> dict[str, str]:
        """The Authorization header of the admin API (its token is in the ready file)."""
        return {"Authorization": f"Bearer {self.child.ready['token']}"}


def origin_argv(name: str, *extra: str, listen: str = LOOPBACK_ANY) -> list[str]:
    """argv of ``python -m origins --id NAME`` with its control port on an ephemeral port."""
    return python_module_argv("origins", "--id", name, "--listen", listen, "--control", LOOPBACK_ANY, *extra)


def start_origin_process(name: str, *extra: str, listen: str = LOOPBACK_ANY,
                         log_path: Path | None = None, token: str | None = None) -> Child:
    """Start origin ``name`` (extra arguments appended) and wait until it is ready;
    ``token``: the control token to give it (through the environment, never argv)."""
    return start(name, origin_argv(name, *extra, listen=listen), log_path=log_path, env=_token_env(token))


def _token_env(token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    if token is not None:
        env[TOKEN_ENV] = token
    return env


def origin_args(origins: Mapping[str, str]) -> list[str]:
    """``--origin ID=HOST:PORT`` for every entry of ``origins``."""
    return [a for origin_id, listen in origins.items() for a in ("--origin", f"{origin_id}={listen}")]


def edge_argv(config: str | Path, origins: Mapping[str, str], *extra: str,
              access_log: str | Path | None = None, admin: bool = True) -> list[str]:
    """argv of ``python -m edge`` for a distribution file, its origin ids mapped to addresses.

    The edge listens on an ephemeral port, and so does its admin API unless ``admin`` is false.
    """
    argv = python_module_argv("edge", "--config", str(config), "--listen", LOOPBACK_ANY)
    if admin:
        argv += ["--admin", LOOPBACK_ANY]
    if access_log is not None:
        argv += ["--access-log", str(access_log)]
    return [*argv, *origin_args(origins), *extra]


def start_edge_process(name: str, config: str | Path, origins: Mapping[str, str], *extra: str,
                       access_log: str | Path | None = None, log_path: Path | None = None,
                       token: str | None = None) -> Child:
    """Start an edge (with its admin API) and wait until it is ready (``token``: as for origins)."""
    return start(name, edge_argv(config, origins, *extra, access_log=access_log), log_path=log_path,
                 env=_token_env(token))


def stopped_after(running: T) -> Iterator[T]:
    """A fixture's body: yield ``running`` (anything with a ``child``), then stop its process.

    Use as ``yield from stopped_after(start_...(...))``.
    """
    try:
        yield running
    finally:
        running.child.stop()


def stopped_cleanly_after(child: Child) -> Iterator[Child]:
    """A fixture's body: yield ``child``, then stop it and check that it exited 0."""
    try:
        yield child
    finally:
        assert child.stop() == 0
