"""The harness as an installed package: its console commands work from any folder, and a
reader that stops reading (``| head``) ends a command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _command(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed in this environment (make venv runs pip install -e .)")
    return path


def test_commands_work_from_any_folder(tmp_path: Path) -> None:
    result = subprocess.run([str(_command("cf-chaos")), "validate"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok ") >= 15 and "scenarios/library/primary-killed.yaml" in result.stdout
    result = subprocess.run([str(_command("cf-chaos-report")), "history", "--history", "off"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (
        2, "reports: the run history is off (HARNESS_HISTORY=off): nothing to show\n")


def test_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    from contracts.cli import run_main

    read, write = os.pipe()
    os.close(read)  # the reader (`head`) is gone before the command writes
    pipe = os.fdopen(write, "w")
    monkeypatch.setattr(sys, "stdout", pipe)

    def main() -> int:
        print("x" * 100_000, flush=True)  # more than a pipe holds: the write fails
        return 5

    assert run_main("cf-chaos", main) == 0
    pipe.close()
