"""Run a scenario end to end: stack up, load on, steps on time, everything down, report.

Whatever happens (a failed step, a child dying, an abort rule, an exception, SIGINT or
SIGTERM) the teardown runs: Locust is stopped, the rollback steps run, every blackhole rule
is removed and every origin's faults are reset, every child is stopped and reaped,
``events.jsonl`` ends with ``run-end`` and the report is built from what was recorded.
Exit codes: 0 every expectation held, 1 one failed or the run deviated/failed/aborted,
3 a signal or a broken stack (bad input, 2, is refused before a run starts; README, Exit codes).
"""

from __future__ import annotations

import json
import math
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import yaml

from contracts.errors import EXIT_BROKE, EXIT_FAILED
from contracts.provenance import code_version, file_sha256, machine
from scenarios.errors import RunInterrupted, ScenarioError, StackError
from scenarios.remote.origins import stack_for
from scenarios.run.events import EventLog
from scenarios.run.locust_cmd import locust_argv, locust_env
from scenarios.run.progress import progress_line, progress_record, tally
from scenarios.run.report import build_and_summarize
from scenarios.run.signals import SignalGuard
from scenarios.run.watch import Watch
from scenarios.spec import steps as st
from scenarios.spec.loader import display_name
from scenarios.spec.model import Scenario, Step
from scenarios.spec.rules import FLUSH_LAG_S
from scenarios.stack import procs

LOCUST_GRACE_S = 20.0        # Locust must be done this long after the planned duration
LOCUST_READY_TIMEOUT_S = 30.0
EARLY_END_S = 1.0            # Locust gone this long before its duration: it did not just finish


def make_run_dir(name: str, out: Path | None) -> Path:
    if out is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = procs.REPO_ROOT / "results" / f"{stamp}-{name}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    return out


class Run:
    """One run of a scenario into ``run_dir``."""

    def __init__(self, scenario: Scenario, run_dir: Path, target: str | None = None,
                 out: TextIO = sys.stdout) -> None:
        self.scenario = scenario
        self.run_dir = run_dir
        self.target = target
        self.out = out
        self.events = EventLog(run_dir / "events.jsonl")
        self.stack = stack_for(scenario, run_dir)  # remote origins (scenarios/remote/origins.py) or the local stack
        self.watch = Watch(run_dir / "requests.csv", scenario.steady_state, scenario.abort)
        self.locust: procs.Child | None = None
        self.status = "completed"
        self.exit_code = 0
        self.last_close_ts: float | None = None  # when the last fault window closed
        self.printed = 0  # seconds of the load already on a progress line
        self.errors_shown = 0  # errors counted on those lines

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def deviate(self) -> None:
        if self.status == "completed":
            self.status, self.exit_code = "deviated", EXIT_FAILED

    def execute(self) -> int:
        """Run, tear down, report; returns the exit code."""
        signals = SignalGuard()
        signals.install()
        try:
            self.events.record("run-start", params={
                "scenario": self.scenario.name, "run_dir": str(self.run_dir),
                "distribution": str(self.scenario.distribution),
                "distribution_sha256": file_sha256(self.scenario.distribution),
                "code_version": code_version(procs.REPO_ROOT), "machine": machine()})
            self._run()
        except RunInterrupted as exc:
            self.events.record("interrupted", params={"signal": str(exc)})
            self.status, self.exit_code = "interrupted", exc.exit_code
            self.say(f"interrupted by {exc}: stopping")
        except ScenarioError as exc:
            self.events.record("error", params={"message": str(exc)}, ok=False)
            self.status, self.exit_code = "failed", exc.exit_code
            self.say(f"error: {exc}")
        except BaseException as exc:  # a bug: clean up, record it, then let it be loud
            self.events.record("error", params={"message": repr(exc)}, ok=False)
            self.status, self.exit_code = "failed", EXIT_BROKE
            raise
        finally:
            signals.armed = False  # from here on a signal is noted, never half-way through cleanup
            try:
                self._teardown()
            except BaseException:
                signals.restore()
                raise
        try:
            code = self._report()
        finally:
            signals.restore()
        if signals.received and self.status != "interrupted":
            # A signal during teardown or the report: the report is built anyway, then we honour it.
            self.say(f"{signal.Signals(signals.received[0]).name} received while finishing: report built")
            return EXIT_BROKE
        return code

    def _run(self) -> None:
        host = self.target
        if host is None:
            self.say(f"starting {len(self.scenario.origin_ids)} origins and the edge ..." if self.scenario.remote is None
                     else "checking the remote origins' control APIs (no local edge or origin) ...")
            self.events.record("stack-ready", params=self.stack.start())
            host = self.stack.edge_url
        argv = locust_argv(self.scenario, host, self.run_dir)
        argv += self.stack.extra_args(self.scenario.stack_args.locust)  # the scenario's `stack.locust`
        if self.target is None:
            argv += self.stack.viewer_args  # --tls-ca RUN/tls/ca.pem when viewers use HTTPS
        self.locust = self.stack.start_child("locust", argv,
                                             ready_timeout=LOCUST_READY_TIMEOUT_S,
                                             env=locust_env(self.scenario))
        self.events.load_start = float(self.locust.ready.get("ts") or time.time())
        self.events.record("load-start", ts=self.events.load_start,
                           params={"host": host, "users": self.scenario.load.users})
        self._drive()
        self._steady_after()

    def _drive(self) -> None:
        """Apply the steps on time, watch the abort rules, print progress until Locust is done."""
        assert self.locust is not None and self.events.load_start is not None
        start, duration = self.events.load_start, self.scenario.load.duration_s
        pending = list(self.scenario.steps)
        before_checked = False
        next_tick = time.time() + 1.0
        while self.locust.alive():
            now = time.time()
            if now - start > duration + LOCUST_GRACE_S:
                self.events.record("error", params={"message": "Locust overran its duration"}, ok=False)
                self.deviate()
                break
            due = [s for s in pending if now >= start + s.at_s]
            if not before_checked and any(st.opens_window(s.action) for s in due):
                before_checked = True
                self._steady_before(now)
            while pending and now >= start + pending[0].at_s:
                self._apply(pending.pop(0))
            if self.target is None and (problem := self.stack.unexpected_exit()):
                raise StackError(problem)  # a process of the run died: the run broke (exit 3)
            if now >= next_tick:
                next_tick = max(next_tick + 1.0, now + 0.5)  # no burst of lines after a slow step
                self.watch.poll()
                if (reason := self.watch.abort_reason(now)) is not None:
                    self._abort(reason)
                    return
                self._progress(now - FLUSH_LAG_S)
            wait = min(next_tick, start + pending[0].at_s if pending else next_tick) - time.time()
            time.sleep(min(max(wait, 0.005), 0.1))
        self.watch.poll()
        self._progress(None)  # Locust has flushed and exited: every second is complete
        ended_at = time.time() - start
        code = self.locust.popen.returncode
        if code is not None and ended_at < duration - EARLY_END_S:
            raise StackError(f"Locust exited unexpectedly (code {code}) {ended_at:.0f} s into a "
                                f"{duration:g} s run (see {self.stack.log('locust')})")
        for step in pending:  # Locust ended early: the rest of the timeline never happened
            self.events.record("error", target=step.target, ok=False,
                               params={"message": f"step {step.describe()} at {step.at_s:g} s not applied: load ended"})
            self.deviate()

    def _progress(self, complete_until: float | None) -> None:
        """A line for each second of the load whose rows are all logged by ``complete_until``
        (None: every second, the load is over); scenarios/run/progress.py."""
        start, duration = self.events.load_start or 0.0, self.scenario.load.duration_s
        last = min(math.ceil(duration), math.ceil(time.time() - start))  # not past an early end
        if complete_until is not None:
            last = min(int(complete_until - start), last)
        for second in range(self.printed + 1, last + 1):
            lo, hi = start + second - 1, start + second
            counts = tally(self.watch.window.between(lo, hi))
            self.errors_shown += counts.errors
            state = self.events.state_during(lo, hi)
            self.say(progress_line(second, duration, state, counts, self.errors_shown, self.scenario.origin_ids))
            with open(self.run_dir / "progress.jsonl", "a", encoding="utf-8") as live:  # tail -f it
                live.write(json.dumps(progress_record(second, state, counts, self.errors_shown)) + "\n")
        self.printed = max(self.printed, last)

    def _abort(self, reason: str) -> None:
        assert self.locust is not None
        self.events.record("abort", params={"reason": reason}, ok=False)
        self.say(f"aborted: {reason}")
        self.status, self.exit_code = "failed", EXIT_FAILED  # the system under test, not the run

    def _steady_before(self, now: float) -> None:
        self.watch.poll()
        window = self.scenario.steady_state.window_s
        assert self.events.load_start is not None
        if now - self.events.load_start < window:  # a fault from the start: nothing to judge yet
            self.events.record("steady-state", params={"phase": "before", "skipped": (
                f"the first fault opens {now - self.events.load_start:.1f} s into the run, "
                f"before a {window:g} s window")})
            self.say("steady state before the faults not checked: the first fault comes too early")
            return
        hi = now - 0.5  # rows still in flight are missing from the newest half second
        self._steady(self.watch.check_steady("before", max(self.events.load_start or hi, hi - window), hi))

    def _steady_after(self) -> None:
        """After the load: the last window, not earlier than the last fault's end."""
        if self.status != "completed" or self.events.open_windows():
            return  # a fault still open (or the run already failed): nothing to return to
        assert self.locust is not None and self.events.load_start is not None
        self.locust.popen.wait(10)  # Locust has quit: requests.csv is complete
        self.watch.poll()
        end = self.events.load_start + self.scenario.load.duration_s
        lo = max(end - self.scenario.steady_state.window_s, self.last_close_ts or self.events.load_start)
        self._steady(self.watch.check_steady("after", lo, end))

    def _steady(self, result: Any) -> None:
        assert self.events.load_start is not None
        self.events.record("steady-state", params=result.params(self.events.load_start), ok=result.ok)
        self.say(result.line())
        if not result.ok:
            self.deviate()

    def _apply(self, step: Step, rollback: bool = False) -> None:
        extra = {"rollback": True} if rollback else {}
        sent = time.time()  # the step's time: nothing it causes can come before it
        try:
            params = self.stack.apply(step)
            event = self.events.step(step.action, step.target, {**params, **extra}, ok=True, ts=sent)
            if event.get("fault_edge") == "end":
                self.last_close_ts = event["ts"]
            at = f" at {event['t']:.1f} s" if isinstance(event.get("t"), (int, float)) and not rollback else ""
            self.say(f"{'rollback' if rollback else 'step'}{at}: {step.describe()}")
        except Exception as exc:  # any step failure is recorded, and the run goes on
            self.events.step(step.action, step.target, {**step.params, **extra, "error": str(exc)}, ok=False,
                             ts=sent)
            self.deviate()
            self.say(f"{'rollback' if rollback else 'step'} failed: {step.describe()}: {exc}")

    def _teardown(self) -> None:
        if self.locust is not None:
            procs.stop(self.locust, timeout=10)  # SIGTERM: Locust flushes requests.csv on quit
            if "load-start" in self.events.kinds:
                self.events.record("load-end", params={"locust_exit_code": self.locust.popen.returncode})
        for step in self.scenario.rollback:
            if self.stack.edge is not None and self.stack.applicable(step):
                self._apply(step, rollback=True)
        problems = self.stack.reset_faults()
        for problem in problems:
            self.events.record("error", params={"message": f"reset failed: {problem}"}, ok=False)
        self.stack.stop()
        survivors = [c.pid for c in self.stack.children if c.alive()]
        if survivors:
            self.events.record("error", params={"message": f"processes still alive: {survivors}"}, ok=False)
        if problems or survivors:
            self.deviate()
        self.events.record("run-end", params={"status": self.status,
                                              "pids": [c.pid for c in self.stack.children]})
        self.events.close()

    def _report(self) -> int:
        passed = build_and_summarize(self.run_dir, self.say)
        if passed is False and self.exit_code == 0:
            return EXIT_FAILED
        return self.exit_code


def write_resolved(scenario: Scenario, run_dir: Path) -> None:
    """``scenario.yaml`` as run: distributions named from the checkout (a file meant to be
    mailed says ``distributions/default.json``, not this machine's folders), long strings on
    one line each."""
    doc = scenario.to_dict()
    doc["distribution"] = display_name(scenario.distribution)
    for entry, variant in zip(doc["variants"], scenario.variants):
        entry["distribution"] = display_name(variant.distribution)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1_000_000)
    (run_dir / "scenario.yaml").write_text(text)


def run_once(scenario: Scenario, run_dir: Path, target: str | None = None) -> int:
    """Run ``scenario`` into ``run_dir`` (created); returns the exit code."""
    make_run_dir(scenario.name, run_dir)
    write_resolved(scenario, run_dir)
    print(f"run folder: {run_dir}", flush=True)
    return Run(scenario, run_dir, target).execute()


