"""Fixtures: fresh keys for the session, and real origins on ephemeral loopback ports."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from edge.config.loader import load_distribution
from edge.tls_cmd import make_tls_dir
from scenarios.stack.procs import REPO_ROOT
from tests.stack_helpers import OriginProcess, start_origin_process, stopped_after


@dataclass(frozen=True)
class Keys:
    """What ``python -m origins keys`` wrote for this test session."""

    folder: Path

    @property
    def credentials_file(self) -> str:
        return str(self.folder / "oac-credentials.json")

    @property
    def credentials(self) -> dict[str, str]:
        return json.loads((self.folder / "oac-credentials.json").read_text())

    @property
    def private_key(self) -> str:
        return str(self.folder / "fle-private-key.pem")

    @property
    def public_key_json(self) -> str:
        return str(self.folder / "fle-public-key.json")


class Origin(OriginProcess):
    """A started origin (listen, url, control, control_url, auth)."""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.child.ready['token']}"}


# Origins serve TLS as well (the FLE and OAC distributions reach them over HTTPS): the
# session's TLS folder, and each origin's TLS listener by its plain one, for running_edge.
TLS_LISTENERS: dict[str, str] = {}


@functools.cache
def session_tls_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="harness-tls-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    names = [o.domain_name for d in ("fle", "oac")
             for o in load_distribution(REPO_ROOT / "distributions" / f"{d}.json").origins.values()]
    return make_tls_dir(folder, names)


def start_origin(name: str, *extra: str) -> Origin:
    origin = Origin(start_origin_process(name, "--listen-tls", "127.0.0.1:0",
                                         "--tls-dir", str(session_tls_dir()), *extra))
    TLS_LISTENERS[origin.listen] = str(origin.child.ready["listen_tls"])
    return origin


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("security") / "keys"
    subprocess.run([sys.executable, "-m", "origins", "keys", "--out", str(folder)], cwd=REPO_ROOT,
                   check=True, capture_output=True, timeout=60)
    return Keys(folder)


@pytest.fixture(scope="session")
def bucket(keys: Keys) -> Iterator[Origin]:
    """A private-bucket origin that also decrypts FLE fields."""
    yield from stopped_after(start_origin("bucket", "--private-bucket", keys.credentials_file,
                                          "--fle-private-key", keys.private_key))


@pytest.fixture(scope="session")
def guarded() -> Iterator[Origin]:
    """A custom origin that insists on X-Origin-Verify (two values: a rotation in progress)."""
    yield from stopped_after(start_origin("guarded", "--require-header", "X-Origin-Verify=old-secret",
                                          "--require-header", "X-Origin-Verify=new-secret"))


@pytest.fixture(scope="session")
def decrypting(keys: Keys) -> Iterator[Origin]:
    """An open origin with the FLE private key."""
    yield from stopped_after(start_origin("decrypting", "--fle-private-key", keys.private_key))


def get(url: str, **kwargs: object) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.get(url, **kwargs)  # type: ignore[arg-type]
