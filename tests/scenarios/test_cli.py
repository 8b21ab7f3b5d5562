"""The CLI as users run it: exit codes, one-line errors, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_list_names_every_shipped_scenario() -> None:
    result = cli("list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert {"baseline", "primary-503", "primary-killed"} <= set(names)
    line = next(line for line in result.stdout.splitlines() if line.startswith("primary-killed "))
    assert line.split(None, 1)[1] == "the primary origin dies (SIGKILL) under load and comes back."


def test_validate_shipped() -> None:
    result = cli("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok ") == len(list((REPO / "scenarios" / "library").glob("*.yaml")))


def test_validate_reports_each_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("distribution: distributions/default.json\nsteps:\n  - {at: 5s, kill: nobody}\n")
    worse = tmp_path / "worse.yaml"
    worse.write_text("distribution: distributions/default.json\nload: {users: -1}\n")
    result = cli("validate", str(bad), str(worse), str(REPO / "scenarios" / "library" / "baseline.yaml"))
    assert result.returncode == 2  # bad input, as `run` says for the same file
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("bad.yaml:3: steps[0].kill: unknown origin 'nobody' (the distribution's: primary, secondary)")
    assert "worse.yaml:2: load.users: must be a whole number within 1..2000, got -1" in lines[1]


@pytest.mark.parametrize(("args", "message"), [
    (("run", "no-such-scenario"), "unknown scenario 'no-such-scenario' (known: "),
    (("run", "primary-killed", "--duration", "soon"), "--duration: expected a number of seconds"),
    (("run", "primary-killed", "--users", "0"), "--users: must be within 1..2000, got 0"),
    (("run", "baseline", "--repeat", "0"), "--repeat: must be within 1..50, got 0"),
    (("run", "baseline", "--target", "http://example.com"),
     "--target: example.com is not a loopback address"),
    (("run", "primary-killed", "--target", "http://127.0.0.1:9"), "--target: scenarios/library/primary-killed.yaml has steps"),
    (("run", "missing.yaml"), "missing.yaml: no such scenario file"),
    (("run",), "the following arguments are required: scenario"),
    (("explode",), "invalid choice: 'explode'"),
])
def test_bad_input_exits_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
