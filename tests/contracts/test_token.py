"""Control-plane tokens (#12, item 9): never on argv, read only from places only their owner
can read, always required, compared in constant time."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from contracts.errors import UsageError
from contracts.token import TOKEN_ENV, authorized, read_token
from scenarios.stack.procs import REPO_ROOT
from tests.stack_helpers import start_origin_process


def test_token_file_must_be_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "t"
    path.write_text("s3cret-token\n")
    path.chmod(0o644)
    with pytest.raises(UsageError, match=r"readable by others \(mode 644; allowed: 600 or stricter"):
        read_token(str(path), {})
    path.chmod(0o600)
    assert read_token(str(path), {TOKEN_ENV: "ignored"}) == "s3cret-token"  # the file wins


def test_token_from_the_environment_and_none_when_absent() -> None:
    assert read_token(None, {TOKEN_ENV: " abc "}) == "abc"
    assert read_token(None, {}) is None
    with pytest.raises(UsageError, match="one non-empty word"):
        read_token(None, {TOKEN_ENV: "two words"})


@pytest.mark.parametrize(("header", "ok"), [("Bearer t", True), ("Bearer u", False), ("t", False),
                                            (None, False), ("Bearer t ", False)])
def test_authorized(header: str | None, ok: bool) -> None:
    assert authorized(header, "t") is ok


@pytest.mark.parametrize("argv", [
    ["origins", "--id", "p", "--listen", ":0", "--control", ":0", "--token", "visible-in-ps"],
    ["edge", "--config", "distributions/default.json", "--listen", ":0", "--admin", ":0",
     "--token", "visible-in-ps"],
])
def test_a_token_on_the_command_line_is_refused_in_one_line(argv: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", *argv], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2 and "READY" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{argv[0]}: --token: a token is not taken on the command line")


def test_an_edge_admin_api_off_loopback_needs_a_token_of_yours() -> None:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    result = subprocess.run([sys.executable, "-m", "edge", "--config", "distributions/default.json",
                             "--listen", ":0", "--admin", "0.0.0.0:0", "--origin", "primary=:1",
                             "--origin", "secondary=:2"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=30, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("edge: --admin: 0.0.0.0 is not a loopback address")


def test_an_origin_without_a_given_token_makes_one_and_shows_it_nowhere_but_its_ready_file(
        tmp_path: Path) -> None:
    log = tmp_path / "origin.log"
    child = start_origin_process("tok", log_path=log)
    try:
        token = str(child.ready["token"])
        assert len(token) >= 32
        cmdline = Path(f"/proc/{child.pid}/cmdline").read_bytes()
        assert token.encode() not in cmdline                           # not in ps
        ready_line = next(x for x in log.read_text().splitlines() if x.startswith("READY "))
        assert "token" not in json.loads(ready_line.removeprefix("READY "))  # not on stdout
        control = f"http://{child.ready['control']}/faults"
        assert requests.get(control, timeout=5).status_code == 401
        assert requests.get(control, headers={"Authorization": f"Bearer {token}"}, timeout=5).ok
    finally:
        child.stop()


def test_ready_files_are_owner_only(tmp_path: Path) -> None:
    from contracts.ready import write_ready

    write_ready(tmp_path / "r.json", {"pid": 1, "token": "t"})
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o600
