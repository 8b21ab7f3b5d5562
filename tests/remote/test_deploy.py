"""The origin as deployed behind a real distribution: the control port needs a token off loopback,
and the shipped systemd unit and container command are command lines the origin accepts."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from origins.cli import parse_args
from origins.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "origins" / "deploy"


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (DEPLOY / "origin.env.example").read_text().splitlines()
             if line and not line.startswith("#"))
    return {k: v for k, v in pairs}


def unit_argv(env: dict[str, str], instance: str = "primary") -> list[str]:
    """The unit's ExecStart as systemd expands it (``%i`` and ``${VAR}``), after ``-m origins``."""
    unit = (DEPLOY / "harness-origin@.service").read_text()
    line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    line = line.removeprefix("ExecStart=").replace("%i", instance)
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    argv = shlex.split(line)
    assert argv[1:3] == ["-m", "origins"]
    return argv[3:]


def test_the_systemd_unit_runs_a_valid_origin_with_a_loopback_control_port() -> None:
    env = env_example()
    config = parse_args(unit_argv(env), environ=env)  # systemd's EnvironmentFile
    assert config.origin_id == "primary"
    assert config.listen == ("0.0.0.0", 8080)
    assert config.control == ("127.0.0.1", 9001)
    assert config.token == "replace-me-with-a-long-random-token"
    assert config.max_age == 3600


def test_the_unit_with_a_private_control_address_keeps_its_token() -> None:
    env = {**env_example(), "CONTROL_LISTEN": "10.1.2.3:9001"}
    config = parse_args(unit_argv(env, "secondary"), environ=env)
    assert config.control == ("10.1.2.3", 9001) and config.token


def test_the_documented_container_command_is_accepted() -> None:
    readme = (DEPLOY / "README.md").read_text()
    command = re.search(r"exec python -m origins (.*?)'", readme, re.S)
    assert command is not None
    assert '-e HARNESS_TOKEN=' in readme and "--token" not in command.group(1)
    config = parse_args(shlex.split(command.group(1)), environ={"HARNESS_TOKEN": "t0ken"})
    assert config.control == ("0.0.0.0", 9001) and config.token == "t0ken"


@pytest.mark.parametrize("control", ["0.0.0.0:9001", "10.1.2.3:9001", "[::]:9001", "origin.example.com:9001"])
def test_a_non_loopback_control_port_needs_a_token(control: str) -> None:
    with pytest.raises(UsageError, match=r"--control: .* is not a loopback address; a control API reachable "
                                         r"from other hosts needs a token of yours"):
        parse_args(["--id", "primary", "--listen", "127.0.0.1:0", "--control", control], environ={})


@pytest.mark.parametrize("control", ["127.0.0.1:0", ":0", "0", "127.0.0.2:0", "localhost:0", "[::1]:0"])
def test_loopback_control_ports_need_no_token(control: str) -> None:
    assert parse_args(["--id", "primary", "--listen", "127.0.0.1:0", "--control", control],
                      environ={}).token is None  # the origin makes a random one when it starts


def test_the_refusal_is_one_line_and_binds_nothing() -> None:
    result = subprocess.run([sys.executable, "-m", "origins", "--id", "primary", "--listen", "127.0.0.1:0",
                             "--control", "0.0.0.0:0"], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "READY" not in result.stdout
    assert result.stderr == ("origins: --control: 0.0.0.0 is not a loopback address; a control API "
                             "reachable from other hosts needs a token of yours (HARNESS_TOKEN or --token-file "
                             "FILE; or keep --control on 127.0.0.1)\n")
