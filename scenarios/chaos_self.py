"""``python -m scenarios.chaos_self`` (``make chaos-self``): the harness breaks itself.

Each case runs a short scenario and breaks the harness mid-run: SIGKILL of the edge, of
Locust, of the secondary origin (not by a step), of the runner itself, and SIGINT at random moments.
Then it checks what a user relies on, and prints one row per case:

* **one line**: the runner's stderr holds no traceback and at most one line;
* **report**: where the runner survived and the load had started, report.html was built;
* **rows lost**: requests.csv rows against Locust's own final count (when Locust lived);
* **processes left**: every process of the run is gone within 2 s of the runner's end;
* **rules left**: no packet-filter rule of the runner remains (kill-runner runs
  primary-blackhole where the packet filter is available, so there is a rule to leave).

Exit 0 when every case held, 1 otherwise. Everything runs on loopback, bounded in time.

    python -m scenarios.chaos_self [--duration S] [--sigints N] [--seed N] [--cases a,b]
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from contracts.cli import OneLineParser, run_main
from scenarios.errors import ScenarioInputError
from scenarios.stack.blackhole import unavailable_reason
from scenarios.stack.procs import REPO_ROOT

CASES = ("kill-edge", "kill-locust", "kill-origin", "kill-runner", "sigint")
GONE_WITHIN_S = 2.0
RUN_TIMEOUT_S = 120.0


@dataclass
class Outcome:
    case: str
    exit_code: int | None
    seconds: float
    one_line: bool
    report: bool | None
    rows_lost: int | None
    processes_left: int
    rules_left: int

    @property
    def held(self) -> bool:
        return (self.one_line and self.report is not False and not self.rows_lost
                and self.processes_left == 0 and self.rules_left == 0)


def pid_alive(pid: int) -> bool:
    """Is ``pid`` running (a zombie, dead but not yet reaped, counts as gone)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def children_of(pid: int) -> set[int]:
    """Every live process whose parent is ``pid`` (children of a run live in their own sessions)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[-1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _events(run_dir: Path) -> list[dict[str, object]]:
    path = run_dir / "events.jsonl"
    try:
        return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    except (OSError, ValueError):
        return []


def _wait_event(proc: subprocess.Popen[str], run_dir: Path, kind: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        for event in _events(run_dir):
            if event.get("kind") == kind:
                return event
        time.sleep(0.05)
    raise ScenarioInputError(f"chaos-self: no {kind} event within {timeout:g} s (see {run_dir})")


def _rows_lost(run_dir: Path) -> int | None:
    """Locust's final count minus requests.csv rows (None when either is missing)."""
    try:
        with (run_dir / "requests.csv").open() as handle:
            rows = sum(1 for _ in csv.DictReader(handle))
        lines = [x.split() for x in (run_dir / "logs" / "locust.log").read_text().splitlines()]
        totals = [x for x in lines if x and x[0] == "Aggregated"]
        return int(totals[-2][1]) - rows if len(totals) >= 2 else None
    except (OSError, ValueError, IndexError):
        return None


def _rules_left(runner_pid: int) -> int:
    try:
        listing = subprocess.run(["iptables", "-S", "INPUT"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return listing.count(f"cf-harness-{runner_pid}-")


def run_case(case: str, scenario: str, duration: float, out: Path, rng: random.Random) -> Outcome:
    run_dir = out / case
    wait_for = "load-start"
    if case == "kill-runner" and unavailable_reason() is None:
        # Killed while its blackhole rule is in place: the rule must go with it.
        scenario, wait_for = "primary-blackhole", "blackhole"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "scenarios", "run", scenario, "--duration",
                             f"{duration:g}", "--out", str(run_dir)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: set[int] = set()
    try:
        if case == "sigint":
            time.sleep(rng.uniform(0.05, duration + 4.0))  # any moment: start-up, load, report
        else:
            ready = _wait_event(proc, run_dir, wait_for)
            time.sleep(0.5 if wait_for == "blackhole" else min(2.0, duration / 3))
            seen = children_of(proc.pid)
            stack = next(e for e in _events(run_dir) if e.get("kind") == "stack-ready")["params"]
            # The secondary: the default scenario's own steps kill and restart the primary.
            victims = {"kill-edge": stack["edge"]["pid"], "kill-origin": stack["origins"]["secondary"]["pid"],
                       "kill-runner": proc.pid}
            if case == "kill-locust":
                victims[case] = next(iter(seen - {stack["edge"]["pid"],
                                                  *(o["pid"] for o in stack["origins"].values())}))
            del ready
        seen |= children_of(proc.pid)
        os.kill(proc.pid if case in ("sigint", "kill-runner") else victims[case],
                signal.SIGINT if case == "sigint" else signal.SIGKILL)
        _, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    ended = time.monotonic()
    events = _events(run_dir)
    if events and events[-1].get("kind") == "run-end":
        seen |= set(events[-1]["params"].get("pids") or [])  # type: ignore[union-attr]
    while (left := [p for p in seen if pid_alive(p)]) and time.monotonic() - ended < GONE_WITHIN_S:
        time.sleep(0.02)
    load_started = any(e.get("kind") == "load-start" for e in events)
    runner_survived = case != "kill-runner"
    return Outcome(
        case=case, exit_code=proc.returncode, seconds=ended - started,
        one_line="Traceback" not in stderr and len(stderr.strip().splitlines()) <= 1,
        report=(run_dir / "report.html").exists() if runner_survived and load_started else None,
        rows_lost=_rows_lost(run_dir) if case not in ("kill-locust", "kill-runner") and load_started else None,
        processes_left=len(left), rules_left=_rules_left(proc.pid))


def _table(outcomes: list[Outcome]) -> str:
    head = "| case | exit | seconds | one line | report | rows lost | processes left | rules left | held |"
    rows = [head, "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | --- |"]
    for o in outcomes:
        report = "-" if o.report is None else ("yes" if o.report else "NO")
        lost = "-" if o.rows_lost is None else str(o.rows_lost)
        rows.append(f"| {o.case} | {o.exit_code} | {o.seconds:.1f} | {'yes' if o.one_line else 'NO'} | "
                    f"{report} | {lost} | {o.processes_left} | {o.rules_left} | {'yes' if o.held else 'NO'} |")
    return "\n".join(rows)


def _main(argv: list[str] | None) -> int:
    parser = OneLineParser(error_type=ScenarioInputError, prog="python -m scenarios.chaos_self",
                           description="Break the harness itself mid-run and check that it holds.")
    parser.add_argument("--scenario", default="primary-killed", help="the scenario each case runs")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per case (4..60)")
    parser.add_argument("--sigints", type=int, default=3, help="SIGINT cases at random moments (0..20)")
    parser.add_argument("--seed", type=int, default=None, help="for the random moments (printed)")
    parser.add_argument("--cases", default=",".join(c for c in CASES if c != "sigint"),
                        help=f"comma-separated, of: {', '.join(CASES[:-1])}")
    parser.add_argument("--out", type=Path, help="where the runs go (default: a temporary folder)")
    args = parser.parse_args(argv)
    if not 4 <= args.duration <= 60 or not 0 <= args.sigints <= 20:
        raise ScenarioInputError("--duration must be 4..60 s and --sigints 0..20")
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES[:-1]]
    if unknown:
        raise ScenarioInputError(f"--cases: unknown {unknown[0]!r} (allowed: {', '.join(CASES[:-1])})")
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    out = args.out or Path(tempfile.mkdtemp(prefix="chaos-self-"))
    print(f"chaos-self: seed {seed}, runs in {out}", flush=True)
    outcomes = []
    for case in [*cases, *(["sigint"] * args.sigints)]:
        name = case if case != "sigint" else f"sigint-{sum(o.case.startswith('sigint') for o in outcomes) + 1}"
        outcome = run_case(case, args.scenario, args.duration, out, rng)
        outcome.case = name
        if case == "sigint":
            (out / "sigint").rename(out / name)
        outcomes.append(outcome)
        print(f"{name}: {'held' if outcome.held else 'DID NOT HOLD'} (exit {outcome.exit_code})", flush=True)
    print(_table(outcomes), flush=True)
    return 0 if all(o.held for o in outcomes) else 1


def main(argv: list[str] | None = None) -> int:
    return run_main("scenarios.chaos_self", lambda: _main(argv))


if __name__ == "__main__":
    from contracts.early import exit_on_signals

    exit_on_signals("scenarios.chaos_self")
    sys.exit(main())
