"""The origin process: command line errors, ready file, clean exit on signals."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from origins.client import OriginControl
from scenarios.stack.procs import REPO_ROOT, ProcessError, python_module_argv, start
from tests.origins.conftest import start_origin
from tests.origins.wire import send_get


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        python_module_argv("origins", *args), cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", ":0", "--control", ":0"], "the following arguments are required: --id"),
        (["--id", "p", "--listen", "host:port", "--control", ":0"], "--listen: 'host:port' is not HOST:PORT"),
        (["--id", "p", "--listen", ":0", "--control", ":70000"], "--control: ':70000' is not HOST:PORT"),
        (["--id", "p q", "--listen", ":0", "--control", ":0"], "--id: expected 1-64 letters"),
        (["--id", "p", "--listen", ":0", "--control", ":0", "--max-age", "-1"], "--max-age: expected a whole number"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback


def test_port_in_use_is_one_line_and_exit_2() -> None:
    # The address given cannot be used: bad input, like the edge's (one exit-code table).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("--id", "p", "--listen", f"127.0.0.1:{port}", "--control", ":0")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("origins: cannot listen:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_ready_file_names_real_ports() -> None:
    child = start_origin("ready")
    try:
        ready = child.ready
        assert ready["id"] == "ready" and ready["pid"] == child.pid
        for key in ("listen", "control"):
            host, port = ready[key].rsplit(":", 1)
            assert host == "127.0.0.1" and int(port) > 0
    finally:
        child.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_0_within_2s_with_a_hang_open(sig: int) -> None:
    child = start_origin("stopper")
    port = int(child.ready["listen"].rsplit(":", 1)[1])
    control = OriginControl(child.ready["control"], token=child.ready["token"])
    control.add_fault(type="hang")
    hung = send_get(port, "/static/a", timeout=5)
    try:
        # Wait until the request is hanging (counted with status 0): an early signal
        # would pass trivially.
        deadline = time.monotonic() + 5
        while control.stats()["by_status"].get("0", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert control.stats()["by_status"].get("0") == 1
        started = time.monotonic()
        child.signal(sig)
        code = child.popen.wait(timeout=5)
        assert code == 0
        assert time.monotonic() - started < 2.0  # the contract: exit 0 within 2 s
    finally:
        hung.close()
        child.stop()


def test_start_helper_reports_a_bad_child() -> None:
    # procs.start must surface our one-line error when the origin cannot start.
    with pytest.raises(ProcessError, match="exited with code 2"):
        start("bad", [sys.executable, "-m", "origins", "--id", "x"], ready_timeout=20)
