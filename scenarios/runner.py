"""Run a scenario end to end: stack up, load on, steps on time, everything down, report.

Whatever happens (a failed step, a child dying, an exception, SIGINT or SIGTERM) the
teardown runs: Locust is stopped, every origin's faults are reset, every child is stopped
and reaped, ``events.jsonl`` ends with ``run-end`` and the report is built from what was
recorded. Exit codes: 0 every expectation held, 1 one failed or the run deviated/failed,
130 SIGINT, 143 SIGTERM (bad input, 2, is refused before a run starts).
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import yaml

from scenarios import procs
from scenarios.errors import RunInterrupted, ScenarioError
from scenarios.events import EventLog
from scenarios.model import Scenario
from scenarios.progress import RequestsTail, progress_line
from scenarios.report import build_and_summarize
from scenarios.stack import Stack

LOCUST_GRACE_S = 20.0        # Locust must be done this long after the planned duration
LOCUST_READY_TIMEOUT_S = 30.0


def make_run_dir(name: str, out: Path | None) -> Path:
    if out is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = procs.REPO_ROOT / "results" / f"{stamp}-{name}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    return out


def locust_argv(scenario: Scenario, host: str, run_dir: Path) -> list[str]:
    load = scenario.load
    return procs.python_module_argv(
        "locust", "-f", str(procs.REPO_ROOT / "locustfiles" / "harness.py"), "--headless",
        "-u", str(load.users + 1),  # + the probe (fixed_count = 1)
        "-r", f"{max(load.spawn_rate, 1.0):g}", "-t", f"{load.duration_s:g}s",
        "--host", host, "--requests-csv", str(run_dir / "requests.csv"),
        "--csv", str(run_dir / "locust"), "--probe-interval-ms", str(load.probe_interval_ms),
        "--catalogue-size", str(load.catalogue_size), "--only-summary", "--loglevel", "WARNING",
        "--stop-timeout", "2", "--exit-code-on-error", "0")


class _Signals:
    """SIGINT/SIGTERM raise :class:`RunInterrupted` once; during teardown they are noted only."""

    def __init__(self) -> None:
        self.armed = True
        self.received: list[int] = []
        self.previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def install(self) -> None:
        for sig in self.previous:
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        self.received.append(signum)
        if self.armed:
            self.armed = False
            raise RunInterrupted(signum)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


class Run:
    """One run of a scenario into ``run_dir``."""

    def __init__(self, scenario: Scenario, run_dir: Path, target: str | None = None,
                 out: TextIO = sys.stdout) -> None:
        self.scenario = scenario
        self.run_dir = run_dir
        self.target = target
        self.out = out
        self.events = EventLog(run_dir / "events.jsonl")
        self.stack = Stack(scenario, run_dir)
        self.locust: procs.Child | None = None
        self.status = "completed"
        self.exit_code = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def execute(self) -> int:
        """Run, tear down, report; returns the exit code."""
        signals = _Signals()
        signals.install()
        try:
            self.events.record("run-start", params={"scenario": self.scenario.name,
                                                    "run_dir": str(self.run_dir)})
            self._run()
        except RunInterrupted as exc:
            self.events.record("interrupted", params={"signal": str(exc)})
            self.status, self.exit_code = "interrupted", exc.exit_code
            self.say(f"interrupted by {exc}: stopping")
        except ScenarioError as exc:
            self.events.record("error", params={"message": str(exc)}, ok=False)
            self.status, self.exit_code = "failed", 1
            self.say(f"error: {exc}")
        except BaseException as exc:  # a bug: clean up, record it, then let it be loud
            self.events.record("error", params={"message": repr(exc)}, ok=False)
            self.status, self.exit_code = "failed", 1
            raise
        finally:
            signals.armed = False  # from here on a signal is noted, never half-way through cleanup
            try:
                self._teardown()
            except BaseException:
                signals.restore()
                raise
        try:
            return self._report()
        finally:
            signals.restore()

    def _run(self) -> None:
        host = self.target
        if host is None:
            self.say(f"starting {len(self.scenario.origin_ids)} origins and the edge ...")
            self.events.record("stack-ready", params=self.stack.start())
            host = self.stack.edge_url
        self.locust = self.stack.start_child("locust", locust_argv(self.scenario, host, self.run_dir),
                                        ready_timeout=LOCUST_READY_TIMEOUT_S)
        self.events.load_start = float(self.locust.ready.get("ts") or time.time())
        self.events.record("load-start", ts=self.events.load_start,
                           params={"host": host, "users": self.scenario.load.users})
        self._drive()

    def _drive(self) -> None:
        """Apply the steps on time and print progress until Locust is done."""
        assert self.locust is not None and self.events.load_start is not None
        start, duration = self.events.load_start, self.scenario.load.duration_s
        pending = list(self.scenario.steps)
        tail = RequestsTail(self.run_dir / "requests.csv")
        next_tick = time.time() + 1.0
        last_tick = time.time()
        while self.locust.alive():
            now = time.time()
            if now - start > duration + LOCUST_GRACE_S:
                self.events.record("error", params={"message": "Locust overran its duration"}, ok=False)
                self.status, self.exit_code = "deviated", 1
                break
            while pending and now >= start + pending[0].at_s:
                self._apply(pending.pop(0))
            if self.target is None and (problem := self.stack.unexpected_exit()):
                raise ScenarioError(problem)
            if now >= next_tick:
                next_tick = max(next_tick + 1.0, now + 0.5)  # no burst of lines after a slow step
                if now - start <= duration + 0.5:  # after the duration Locust is only stopping
                    window = tail.read()
                    rate = window.rows / max(now - last_tick, 1e-3)
                    last_tick = now
                    self.say(progress_line(min(now - start, duration), duration,
                                           self.events.open_windows(), rate, window.hit_ratio,
                                           tail.total_errors))
            wait = min(next_tick, start + pending[0].at_s if pending else next_tick) - time.time()
            time.sleep(min(max(wait, 0.005), 0.1))
        for step in pending:  # Locust ended early: the rest of the timeline never happened
            self.events.record("error", target=step.target, ok=False,
                               params={"message": f"step {step.describe()} at {step.at_s:g} s not applied: load ended"})
            self.status, self.exit_code = "deviated", 1

    def _apply(self, step: Any) -> None:
        try:
            params = self.stack.apply(step)
            self.events.step(step.action, step.target, params, ok=True)
            self.say(f"step: {step.describe()}")
        except Exception as exc:  # any step failure is recorded, and the run goes on
            self.events.step(step.action, step.target, {**step.params, "error": str(exc)}, ok=False)
            self.status, self.exit_code = "deviated", 1
            self.say(f"step failed: {step.describe()}: {exc}")

    def _teardown(self) -> None:
        if self.locust is not None:
            procs.stop(self.locust, timeout=10)  # SIGTERM: Locust flushes requests.csv on quit
            if "load-start" in self.events.kinds:
                self.events.record("load-end", params={"locust_exit_code": self.locust.popen.returncode})
        problems = self.stack.reset_faults()
        for problem in problems:
            self.events.record("error", params={"message": f"reset failed: {problem}"}, ok=False)
        self.stack.stop()
        survivors = [c.pid for c in self.stack.children if c.alive()]
        if survivors:
            self.events.record("error", params={"message": f"processes still alive: {survivors}"}, ok=False)
        if self.status == "completed" and (problems or survivors):
            self.status, self.exit_code = "deviated", 1
        self.events.record("run-end", params={"status": self.status,
                                              "pids": [c.pid for c in self.stack.children]})
        self.events.close()

    def _report(self) -> int:
        passed = build_and_summarize(self.run_dir, self.say)
        if passed is False and self.exit_code == 0:
            return 1
        return self.exit_code


def write_resolved(scenario: Scenario, run_dir: Path) -> None:
    text = yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)
    (run_dir / "scenario.yaml").write_text(text)


def run_scenario(scenario: Scenario, out: Path | None = None, target: str | None = None) -> int:
    """Run ``scenario`` into a new run folder (or ``out``); returns the exit code."""
    run_dir = make_run_dir(scenario.name, out)
    write_resolved(scenario, run_dir)
    print(f"run folder: {run_dir}", flush=True)
    return Run(scenario, run_dir, target).execute()
