"""Refusals of ``python -m scenarios run`` against remote targets: each one before any load.

Non-loopback URLs appear here only in runs that are refused before a connection is opened
(the refusals are decided from the command line and the file alone).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.remote.conftest import Deployment, run_cli, scenario_text, token_env

REAL = "https://d111111abcdef8.cloudfront.invalid"  # never resolvable, should a refusal ever fail
FAULT = """
{at: 25%, fault: {target: primary, type: status, status: 503}}
{at: 75%, clear: primary}
"""


def dead_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "remote.yaml"
    path.write_text(text)
    return path


def assert_refused(result, code: int, message: str, out: Path) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert not out.exists()  # refused before a run folder, let alone a request


def test_control_endpoint_down_refuses_before_load(deployment: Deployment, tmp_path: Path) -> None:
    origins = {"primary": f"http://127.0.0.1:{dead_port()}",
               "secondary": deployment.origins["secondary"].control_url}
    path = write(tmp_path, scenario_text(deployment.target, origins, FAULT))
    before = deployment.edge_requests()
    started = time.monotonic()
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"))
    assert_refused(result, 2, f"origin primary: control API {origins['primary']} did not answer", tmp_path / "run")
    assert "refusing to start the load" in result.stderr
    assert "plan: target" in result.stdout  # the plan came first
    # a refused connect is retried for 2 s (a restarting origin); nothing else waits
    assert time.monotonic() - started < 30
    assert deployment.edge_requests() == before  # not one viewer request was sent


def test_wrong_token_refuses_before_load(deployment: Deployment, tmp_path: Path) -> None:
    origins = {name: o.control_url for name, o in deployment.origins.items()}
    path = write(tmp_path, scenario_text(deployment.target, origins, FAULT))
    env = token_env()
    env["TEST_SECONDARY_CONTROL_TOKEN"] = "not-the-token"
    before = deployment.edge_requests()
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"), env=env)
    assert_refused(result, 2, "origin secondary: control API", tmp_path / "run")
    assert "refused the token (401); check $TEST_SECONDARY_CONTROL_TOKEN" in result.stderr
    assert deployment.edge_requests() == before


def test_control_url_of_another_origin_is_refused(deployment: Deployment, tmp_path: Path) -> None:
    swapped = {"primary": deployment.origins["secondary"].control_url}
    path = write(tmp_path, scenario_text(deployment.target, swapped, ""))
    env = token_env()
    env["TEST_PRIMARY_CONTROL_TOKEN"] = env["TEST_SECONDARY_CONTROL_TOKEN"]
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"), env=env)
    assert_refused(result, 2, "belongs to origin 'secondary'", tmp_path / "run")


def test_unset_token_variable_is_refused(deployment: Deployment, tmp_path: Path) -> None:
    origins = {name: o.control_url for name, o in deployment.origins.items()}
    path = write(tmp_path, scenario_text(deployment.target, origins, FAULT))
    env = token_env()
    del env["TEST_PRIMARY_CONTROL_TOKEN"]
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"), env=env)
    assert_refused(result, 2, "origins.primary.token_env: environment variable TEST_PRIMARY_CONTROL_TOKEN "
                              "is not set", tmp_path / "run")


@pytest.mark.parametrize("steps", [
    "{at: 30%, kill: primary}\n{at: 70%, restart: primary}",
    "{at: 50%, restart: primary}",
    "{at: 30%, blackhole: primary}\n{at: 70%, unblackhole: primary}",
])
def test_kill_restart_blackhole_refused_at_validation(tmp_path: Path, steps: str) -> None:
    origins = {"primary": f"http://127.0.0.1:{dead_port()}"}
    path = write(tmp_path, scenario_text("http://127.0.0.1:9", origins, steps))
    validate = run_cli("validate", str(path))
    assert validate.returncode == 2  # the same code as `run` below
    assert "refused with remote origins" in validate.stderr
    run = run_cli("run", str(path), "--out", str(tmp_path / "run"))
    assert_refused(run, 2, "refused with remote origins", tmp_path / "run")
    assert "plan:" not in run.stdout  # refused while reading the file, before any plan


@pytest.mark.parametrize(("args", "message"), [
    # no opt-in: refused whatever else the run would do
    ((), "--target: d111111abcdef8.cloudfront.invalid is not a loopback address; a real distribution is "
         "driven only with --real-target"),
    # opted in, but over the caps: still refused before any connection
    (("--real-target", "--users", "50"), "50 viewers x 10/s + probe is 510 requests/s, over the cap of 100/s"),
    (("--real-target", "--max-rps", "5000"), "--max-rps: must be within 1..2000"),
    (("--real-target", "--duration", "20m"), "1200 s under load is over the cap of 600 s"),
    (("--real-target", "--duration", "20m", "--max-duration", "2h"), "--max-duration: must be within 1..3600 s"),
    (("--real-target", "--repeat", "11", "--duration", "1m"), "660 s under load is over the cap of 600 s"),
])
def test_real_target_rails(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    # A target-only scenario (no steps): the rails are what stands between it and the network.
    path = write(tmp_path, scenario_text(None, {}))
    started = time.monotonic()
    result = run_cli("run", str(path), "--target", REAL, "--out", str(tmp_path / "run"), *args)
    assert_refused(result, 2, message, tmp_path / "run")
    assert time.monotonic() - started < 20  # decided from the arguments: no connect timeout was waited


def test_real_target_in_the_file_needs_the_flag_too(tmp_path: Path) -> None:
    path = write(tmp_path, scenario_text(REAL, {}))
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"))
    assert_refused(result, 2, "is not a loopback address; a real distribution is driven only with "
                              "--real-target", tmp_path / "run")


def test_remote_control_url_needs_the_flag(tmp_path: Path) -> None:
    origins = {"primary": "https://primary.example.invalid:9443"}
    path = write(tmp_path, scenario_text("http://127.0.0.1:9", origins, FAULT))
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"))
    assert_refused(result, 2, "--target: primary.example.invalid is not a loopback address", tmp_path / "run")


def test_remote_origins_without_a_target_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, scenario_text(None, {"primary": f"http://127.0.0.1:{dead_port()}"}, FAULT))
    result = run_cli("run", str(path), "--out", str(tmp_path / "run"))
    assert_refused(result, 2, "remote origins need a target: give 'target: URL' in the file or --target URL",
                   tmp_path / "run")


def test_an_accepted_real_plan_is_printed_and_guarded(tmp_path: Path) -> None:
    # prepare_run opens no connection for a target-only scenario: it only decides and prints.
    import argparse
    import io

    from scenarios.remote.origins import prepare_run
    from scenarios.spec.loader import parse_scenario

    scenario = parse_scenario(scenario_text(None, {}, users=5, duration="2m"), "t.yaml")
    args = argparse.Namespace(target=REAL, real_target=True, max_rps=80.0, max_duration=300.0)
    out = io.StringIO()
    guarded, target = prepare_run(scenario, args, out)
    assert target == REAL
    assert out.getvalue().splitlines()[:3] == [
        f"plan: target {REAL} [REAL (off this machine)]",
        "plan: load 5 viewers + 1 probe, at most 60 requests/s, for 120 s",
        "plan: caps 80 requests/s, 300 s (the load stops if it ever measures over 100/s)"]
    assert [str(rule.check) for rule in guarded.abort] == ["requests_per_s > 100"]
    assert guarded.to_dict()["abort"][-1]["condition"] == "> 100"  # recorded in the run folder


def test_a_dead_target_is_refused_before_any_load(tmp_path: Path) -> None:
    # It used to print its plan, then send 410 requests to nothing until the error-ratio rule
    # aborted it; now three bounded GETs decide, and the one line names the target.
    port = dead_port()
    out = tmp_path / "run"
    started = time.monotonic()
    result = run_cli("run", "baseline", "--target", f"http://127.0.0.1:{port}", "--out", str(out))
    assert time.monotonic() - started < 30
    assert_refused(result, 2, f"--target http://127.0.0.1:{port}: connection refused on 3 tries of "
                               "GET /api/probe; refusing to start the load", out)


def test_a_live_target_is_checked_and_named_in_the_plan(deployment: Deployment, tmp_path: Path) -> None:
    path = write(tmp_path, scenario_text(None, {}, duration="3s", users=2))
    result = run_cli("run", str(path), "--target", deployment.target, "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"plan: target {deployment.target} answered GET /api/probe with 200 in " in result.stdout
