"""A real ``python -m scenarios.ui`` session for the tests: start, reach, end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from scenarios.run.workers import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Session:
    proc: subprocess.Popen[str]
    run_dir: Path
    url: str  # Locust's web UI

    def state(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/chaos/state", timeout=10).json()

    def step(self, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.url}/chaos/step", json=body, timeout=40)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (self.run_dir / "events.jsonl").read_text().splitlines()]

    def wait_for(self, check: Any, timeout: float, what: str) -> dict[str, Any]:
        """Poll the panel's state until ``check(state)`` holds."""
        deadline = time.monotonic() + timeout
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = self.state()
            if check(state):
                return state
            time.sleep(0.25)
        raise AssertionError(f"{what} not seen within {timeout:g} s; last state: {state}")

    def end(self, timeout: float = 60.0) -> tuple[int, str]:
        """Ctrl-C, as a user ends the session; returns the exit code and the output."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            raise AssertionError(f"the launcher did not end within {timeout:g} s:\n{out[-3000:]}") from None
        return self.proc.returncode, out


def start_session(run_dir: Path, *args: str, timeout: float = 60.0) -> Session:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scenarios.ui", "--out", str(run_dir), "--web-port", str(port), *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    session = Session(proc, run_dir, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, _ = proc.communicate()
            raise AssertionError(f"the launcher exited with {proc.returncode}:\n{out[-3000:]}")
        try:
            if requests.get(f"{session.url}/chaos/ping", timeout=1).status_code == 200:
                return session
        except requests.RequestException:
            pass
        time.sleep(0.2)
    session.end()
    raise AssertionError(f"Locust's web UI never answered on {session.url}")


def swarm(session: Session, users: int) -> None:
    """Start the load as the UI's start button does."""
    edge = session.state()["session"]["edge"]["url"]
    answer = requests.post(f"{session.url}/swarm", timeout=10,
                           data={"user_count": users, "spawn_rate": users, "host": edge})
    assert answer.json()["success"], answer.text


def pids_alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    return alive
