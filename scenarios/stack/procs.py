"""Child processes of a run: start, wait until ready, signal, stop.

Every server of the harness (``python -m origins``, ``python -m edge``) takes
``--ready-file PATH`` and, once all its sockets listen, writes one JSON object
there (atomically: temp file + rename) naming its pid and bound addresses. A
parent starts it with port 0, waits for that file (never a fixed sleep) and
reads the real ports from it.

Children run in their own session (process group) so that a Ctrl-C typed at
the terminal reaches only the parent, which then stops its children in order
and clears faults first. :func:`stop` escalates SIGTERM -> SIGKILL and reaps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scenarios.errors import StackError
from scenarios.stack.lifeline import die_with_parent

REPO_ROOT = Path(__file__).resolve().parents[2]


class ProcessError(StackError):
    """A child process did not start, or died before it was ready."""


@dataclass
class Child:
    """A started child process and what it reported when it became ready."""

    name: str
    argv: list[str]
    popen: subprocess.Popen[bytes]
    ready: dict[str, Any] = field(default_factory=dict)
    log_path: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            try:
                os.kill(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 5.0) -> int | None:
        return stop(self, timeout)

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def python_module_argv(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def start(
    name: str,
    argv: list[str],
    *,
    ready_timeout: float = 20.0,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    wait_ready: bool = True,
    death_signal: int = signal.SIGTERM,
) -> Child:
    """Start ``argv`` (which must not contain ``--ready-file``) and wait until it is ready.

    ``--ready-file`` is appended. Output goes to ``log_path`` (or is discarded).
    Raises :class:`ProcessError` with the child's last log lines if it exits or
    does not become ready within ``ready_timeout`` seconds.
    """
    fd, ready_name = tempfile.mkstemp(prefix=f"{name}-", suffix=".ready.json")
    os.close(fd)
    os.unlink(ready_name)
    ready_file = Path(ready_name)
    full_argv = [*argv, "--ready-file", str(ready_file)] if wait_ready else list(argv)
    out: IO[bytes] | int
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(log_path, "ab")
    else:
        out = subprocess.DEVNULL
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    pythonpath = child_env.get("PYTHONPATH", "")
    if str(REPO_ROOT) not in pythonpath.split(os.pathsep):
        child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), pythonpath) if p)
    try:
        popen = subprocess.Popen(
            full_argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(REPO_ROOT),
            env=child_env,
            start_new_session=True,
            preexec_fn=die_with_parent(death_signal),  # it ends when the runner does (lifeline.py)
        )
    finally:
        if not isinstance(out, int):
            out.close()
    child = Child(name=name, argv=full_argv, popen=popen, log_path=log_path)
    if not wait_ready:
        return child
    deadline = time.monotonic() + ready_timeout
    try:
        while True:
            if ready_file.exists():
                try:
                    child.ready = json.loads(ready_file.read_text())
                    return child
                except json.JSONDecodeError:
                    pass  # rename is atomic, but be lenient with writers that are not
            if popen.poll() is not None:
                # A server that refuses to start says why in one line, its last: lead with it.
                reason = child.log_tail(1).strip()
                raise ProcessError(
                    f"{name} exited with code {popen.returncode} before it was ready"
                    + (f": {reason}" if reason else "")
                    + (f"\n{child.log_tail()}" if child.log_tail() else "")
                )
            if time.monotonic() > deadline:
                stop(child)
                raise ProcessError(
                    f"{name} was not ready after {ready_timeout:.0f} s"
                    + (f":\n{child.log_tail()}" if child.log_tail() else "")
                )
            time.sleep(0.02)
    except BaseException:
        # Interrupted while waiting (Ctrl-C, SIGTERM turned into an exception): the caller
        # never gets a handle on this child, so it must not outlive this call.
        stop(child)
        raise
    finally:
        ready_file.unlink(missing_ok=True)


def stop(child: Child, timeout: float = 5.0) -> int | None:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL; always reaps. Returns the exit code."""
    popen = child.popen
    if popen.poll() is None:
        child.signal(signal.SIGCONT)  # a paused (SIGSTOP) child cannot act on SIGTERM
        child.signal(signal.SIGTERM)
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            child.signal(signal.SIGKILL)
            popen.wait(5)
    return popen.returncode

