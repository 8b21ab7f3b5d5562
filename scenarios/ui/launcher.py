"""``make ui``: the stack plus Locust's web UI with a "Chaos" tab, for exploratory runs.

    python -m scenarios.ui [--distribution FILE] [--users N] [--spawn-rate R] [--workers N]
                           [--web-host HOST] [--web-port PORT] [--master-bind HOST:PORT]
                           [--edge-listen HOST:PORT] [--out DIR]

Starts the origins (with a control token) and the edge of ``--distribution``, then Locust with
its web UI on 127.0.0.1:8089, the harness's users and the edge as host. Start the load in the
UI, break things in the Chaos tab, stop the load: the run folder (``results/<time>-ui/``) then
has the same shape as a headless run's and the report is built (button in the tab, ``make
report RUN=...``, or on exit). Ctrl-C ends the session: faults are cleared, everything stops.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
import yaml

from contracts.cli import OneLineParser, run_main
from contracts.errors import EXIT_BROKE, EXIT_OK
from scenarios.errors import RunInterrupted, ScenarioError, ScenarioInputError
from scenarios.run.events import EventLog
from scenarios.run.report import build_and_summarize
from scenarios.run.workers import check_workers, locust_worker_args, parse_master_bind
from scenarios.spec.loader import parse_scenario
from scenarios.spec.model import Scenario
from scenarios.stack import procs
from scenarios.stack.local import Stack
from scenarios.ui.api import PanelApi
from scenarios.ui.session import PanelSession

HARNESS = procs.REPO_ROOT / "locustfiles" / "harness.py"
TOKEN_ENV = "HARNESS_CHAOS_TOKEN"  # read by locustfiles.panel_client
UI_READY_TIMEOUT_S = 60.0


class UiStack(Stack):
    """The run's stack, with the edge on ``edge_listen`` when workers on other machines must
    reach it (control ports stay on loopback, each behind its own token, as in every stack)."""

    def __init__(self, scenario: Scenario, run_dir: Path, edge_listen: str | None = None) -> None:
        super().__init__(scenario, run_dir)
        self.edge_listen = edge_listen

    def start_child(self, name: str, argv: list[str], *args: Any, **kwargs: Any) -> procs.Child:
        if name == "edge" and self.edge_listen and "--listen" in argv:
            at = argv.index("--listen") + 1
            argv = [*argv[:at], self.edge_listen, *argv[at + 1:]]
        return super().start_child(name, argv, *args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(error_type=ScenarioInputError, prog="python -m scenarios.ui",
                     description="The stack plus Locust's web UI with a Chaos tab (exploratory runs).")
    parser.add_argument("--distribution", default="distributions/default.json",
                        help="DistributionConfig JSON (default distributions/default.json)")
    parser.add_argument("--users", type=int, default=20, help="viewers preset in the UI (the probe is added)")
    parser.add_argument("--spawn-rate", type=float, default=20.0, help="users started per second")
    parser.add_argument("--workers", type=int, default=0, help="local Locust worker processes (0: one process)")
    parser.add_argument("--master-bind", help="HOST:PORT for workers on other machines (default: loopback only)")
    parser.add_argument("--edge-listen", help="the edge's HOST:PORT (default 127.0.0.1 and a free port)")
    parser.add_argument("--web-host", default="127.0.0.1", help="web UI address (default 127.0.0.1)")
    parser.add_argument("--web-port", type=int, default=8089, help="web UI port (default 8089)")
    parser.add_argument("--probe-interval-ms", type=int, default=100)
    parser.add_argument("--catalogue-size", type=int, default=200)
    parser.add_argument("--out", type=Path, help="run folder (default results/<UTC time>-ui)")
    parser.add_argument("--functions", metavar="DIR",
                        help="CloudFront Functions of the distribution (DIR/NAME.js), e.g. distributions/functions")
    parser.add_argument("--lambdas", metavar="DIR",
                        help="Lambda@Edge handlers of the distribution (DIR/NAME.py), e.g. distributions/lambdas")
    return parser


def port_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound now (Locust would fail later, less clearly)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0" if host in ("*", "") else host, port))
        except OSError:
            return False
    return True


def ui_scenario(args: argparse.Namespace) -> Scenario:
    """The run's scenario: the chosen distribution and load, no steps (they are made by hand)."""
    try:
        check_workers(args.workers)
        if args.master_bind:
            parse_master_bind(args.master_bind)
    except ValueError as exc:
        flag = "--master-bind" if args.master_bind and "port" in str(exc).lower() else "--workers"
        raise ScenarioInputError(f"{flag}: {exc}") from None
    if not 1 <= args.web_port <= 65535:
        raise ScenarioInputError(f"--web-port: must be within 1..65535, got {args.web_port}")
    if not port_free(args.web_host, args.web_port):
        raise ScenarioInputError(f"--web-port: {args.web_host}:{args.web_port} is in use "
                                 f"(another `make ui`?); choose another with --web-port")
    load = {"users": args.users, "spawn_rate": args.spawn_rate, "duration": "1h",
            "probe_interval": f"{args.probe_interval_ms}ms", "catalogue_size": args.catalogue_size}
    edge = [arg for flag, value in (("--functions", args.functions), ("--lambdas", args.lambdas)) if value
            for arg in (flag, str(value))]
    doc: dict[str, Any] = {"name": "ui", "distribution": str(args.distribution), "load": load}
    if edge:
        doc["stack"] = {"edge": edge}
    text = ("# ui: an exploratory run in the Locust web UI; the steps were applied by hand.\n"
            + json.dumps(doc))
    scenario = parse_scenario(text, "--distribution/--users", base=Path.cwd())
    return scenario


def make_run_dir(out: Path | None) -> Path:
    """``results/<UTC time>-ui/`` (or ``out``) with its ``logs/`` folder."""
    if out is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = procs.REPO_ROOT / "results" / f"{stamp}-ui"
    (out / "logs").mkdir(parents=True, exist_ok=True)
    return out


def locust_ui_argv(args: argparse.Namespace, scenario: Scenario, host: str, run_dir: Path,
                   api_url: str) -> list[str]:
    load = scenario.load
    return procs.python_module_argv(
        "locust", "-f", str(HARNESS), "--web-host", args.web_host, "--web-port", str(args.web_port),
        "--host", host, "-u", str(load.users + 1), "-r", f"{max(load.spawn_rate, 1.0):g}",
        "--requests-csv", str(run_dir / "requests.csv"), "--csv", str(run_dir / "locust"),
        "--probe-interval-ms", str(load.probe_interval_ms), "--catalogue-size", str(load.catalogue_size),
        "--chaos-api", api_url, "--stop-timeout", "2", "--loglevel", "INFO",
        *locust_worker_args(args.workers, args.master_bind))


def wait_for_ui(child: procs.Child, url: str, timeout: float = UI_READY_TIMEOUT_S) -> None:
    """Poll the Chaos tab's ping route until Locust's web UI answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise ScenarioError(f"Locust exited with code {child.popen.returncode} before its web UI "
                                f"was up (see {child.log_path}):\n{child.log_tail(8)}")
        try:
            if requests.get(f"{url}/chaos/ping", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise ScenarioError(f"Locust's web UI did not answer on {url} within {timeout:g} s (see {child.log_path})")


def _interrupt(signum: int, _frame: Any) -> None:
    raise RunInterrupted(signum)


def run_ui(args: argparse.Namespace, say: Any = print) -> int:
    scenario = ui_scenario(args)
    run_dir = make_run_dir(args.out)
    (run_dir / "scenario.yaml").write_text(
        yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True))
    token = secrets.token_urlsafe(24)
    events = EventLog(run_dir / "events.jsonl")
    stack = UiStack(scenario, run_dir, args.edge_listen)
    load_params = {"users": scenario.load.users, "workers": args.workers, "mode": "web-ui"}
    session = PanelSession(stack, events, run_dir, load_params)
    api: PanelApi | None = None
    locust: procs.Child | None = None
    status = "completed"
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        events.record("run-start", params={"scenario": "ui", "run_dir": str(run_dir)})
        say(f"run folder: {run_dir}")
        say(f"starting {len(scenario.origin_ids)} origins and the edge ...")
        events.record("stack-ready", params=stack.start())
        load_params["host"] = stack.edge_url
        api = PanelApi(session, token).start()
        env = {**os.environ, TOKEN_ENV: token}
        locust = procs.start("locust", locust_ui_argv(args, scenario, stack.edge_url, run_dir, api.url)
                             + stack.viewer_args,
                             log_path=run_dir / "logs" / "locust.log", env=env, wait_ready=False)
        ui_host = "127.0.0.1" if args.web_host in ("0.0.0.0", "::", "*") else args.web_host
        wait_for_ui(locust, f"http://{ui_host}:{args.web_port}")
        say(f"Locust web UI: http://{ui_host}:{args.web_port}  (Chaos tab next to Charts; edge {stack.edge_url})")
        say(f"chaos panel on its own page, usable before the load starts: http://{ui_host}:{args.web_port}/chaos/")
        if args.master_bind:
            host, port = parse_master_bind(args.master_bind)
            say(f"remote workers: locust -f locustfiles/harness.py --worker --master-host <this host> "
                f"--master-port {port}")
        say("start the load in the UI; stop it to complete the run; Ctrl-C ends the session")
        while locust.alive():
            if problem := stack.unexpected_exit():
                raise ScenarioError(problem)
            time.sleep(0.2)
        say(f"Locust exited (code {locust.popen.returncode}); see {locust.log_path}")
    except RunInterrupted:
        say("stopping ...")
    except ScenarioError as exc:
        events.record("error", params={"message": str(exc)}, ok=False)
        status = "failed"
        say(f"error: {exc}")
    finally:
        for sig in previous:  # a second Ctrl-C must not cut the cleanup short
            signal.signal(sig, signal.SIG_IGN)
        try:
            if locust is not None:
                procs.stop(locust, timeout=15)  # Locust's test_stop tells the session: load-end
            with session.lock:  # normally Locust's stop already closed the run
                if session.phase != "stopped":
                    session.finish("failed" if status == "failed" else "interrupted")
            for problem in stack.reset_faults():
                events.record("error", params={"message": f"reset failed: {problem}"}, ok=False)
            stack.stop()
        finally:
            if api is not None:
                api.close()
            events.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if session.load_end is not None and session.report is None:
        build_and_summarize(run_dir, say)
    elif session.report is not None:
        say(f"report: {session.report['path']}")
    return EXIT_BROKE if status == "failed" else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    return run_main("scenarios.ui", lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    return run_ui(args, say=lambda text: print(text, flush=True))
