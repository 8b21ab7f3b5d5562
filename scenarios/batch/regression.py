"""``python -m scenarios regression``: every scenario marked ``regression: true``, short.

Each scenario runs once, shortened to ``--duration`` seconds (default 20; steps written as
percentages move with it; a scenario with steps at fixed times that would fall after the
end runs at its full length instead, noted) into
``results/regression-<UTC time>/<scenario>/``. Next to the run folders go
``summary.json`` (kind ``regression``; what ``python -m reports trend`` reads),
``junit.xml`` (a test case per threshold) and ``index.html`` (a row per scenario, links
to each report). They are rewritten after every scenario, so an interrupted regression
still leaves them, with ``summary.md`` (the same in Markdown, for a CI job summary).

Every run is filed in the run history when its report is built (``--history``, else
``HARNESS_HISTORY``, else results/history.sqlite) and judged against its scenario's baseline
(the pinned run, else the last passing one) on the key metrics, with the noise-aware verdict
of ``reports compare``. Exit code: 0 every run completed, every threshold held and no key
metric is worse than its baseline; 1 otherwise; 3 when interrupted (the remaining scenarios
are skipped).
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from contracts.errors import EXIT_BROKE, EXIT_FAILED, EXIT_OK
from scenarios.errors import ScenarioInputError
from scenarios.spec.loader import load_on_distribution, load_scenario, shipped_scenarios
from scenarios.spec.model import Scenario
from scenarios.stack.procs import REPO_ROOT

DEFAULT_DURATION_S = 20.0
RunScenario = Callable[[Scenario, Path, "str | None"], int]


def regression_scenarios(names: list[str], distribution: Path | None = None) -> list[Scenario]:
    """The named scenarios, or else every shipped one marked ``regression: true``; each on
    ``distribution`` instead of its own when given."""
    def load(name: str) -> Scenario:
        return load_scenario(name) if distribution is None else load_on_distribution(name, distribution)

    if names:
        return [load(name) for name in names]
    found = [str(p) for p in shipped_scenarios() if load_scenario(str(p)).regression]
    if not found:
        raise ScenarioInputError("no shipped scenario has 'regression: true'")
    return [load(name) for name in found]


def short_version(scenario: Scenario, duration_s: float) -> tuple[Scenario, str]:
    """``scenario`` run once and at most ``duration_s`` long; a note when it cannot be shortened."""
    short = scenario.with_overrides(duration_s=min(duration_s, scenario.load.duration_s), repeat=1)
    if short.late_step() is None:
        return short, ""
    return (scenario.with_overrides(repeat=1),
            f"steps at fixed times: ran at its full {scenario.load.duration_s:g} s")


def _run_status(run_dir: Path) -> str:
    """``run-end``'s status from events.jsonl; ``failed`` when the run never wrote one."""
    try:
        lines = (run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "failed"
    for line in reversed(lines):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("kind") == "run-end":
            return str((event.get("params") or {}).get("status") or "completed")
    return "failed"


def cases(folder: Path, scenario: Scenario, exit_code: int, note: str, seconds: float) -> list[dict[str, Any]]:
    """One entry per run folder the scenario produced (one, or one per variant)."""
    from reports.metrics.repeats import key_metrics

    base = folder / scenario.name
    run_dirs = [base] if (base / "summary.json").exists() or not scenario.variants else \
        [base / v.name for v in scenario.variants]
    entries = []
    for run_dir in run_dirs:
        name = scenario.name if run_dir == base else f"{scenario.name}/{run_dir.name}"
        try:
            summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = None
        status = str(summary.get("status")) if summary else _run_status(run_dir)
        has_report = (run_dir / "report.html").exists()
        entries.append({
            "name": name, "source": scenario.source, "run_dir": str(run_dir.relative_to(folder)),
            "report": str((run_dir / "report.html").relative_to(folder)) if has_report else None,
            "status": status, "exit_code": exit_code,
            "passed": bool(summary and summary.get("passed")) and status == "completed",
            "duration_s": scenario.load.duration_s, "seconds": round(seconds, 1),
            "note": note if summary else "; ".join(filter(None, [note, "no report was built"])),
            "metrics": key_metrics(summary) if summary else {},
            "expect": list(summary.get("expect") or []) if summary else [],
        })
    return entries


def judge_against_baselines(folder: Path, entries: list[dict[str, Any]], history: str | None) -> None:
    """Add each entry's verdict against its baseline (``entry["baseline"]``); a run is only
    ``passed`` when no key metric is worse. A history that cannot be read is noted, not fatal."""
    from reports.errors import HistoryError
    from reports.history.judge import against_baseline

    for entry in entries:
        if entry["report"] is None:
            entry["baseline"] = {"how": "not filed", "worse": [], "rows": []}
            continue
        try:
            entry["baseline"] = against_baseline(folder / entry["run_dir"], history)
        except HistoryError as exc:
            entry["baseline"] = {"how": "unavailable", "note": str(exc), "worse": [], "rows": []}
        if entry["baseline"]["worse"]:
            entry["passed"] = False


def write_outputs(folder: Path, doc: dict[str, Any]) -> None:
    """summary.json, junit.xml, index.html and summary.md, each written atomically."""
    from reports.render.regression_out import index_html, junit_xml, markdown  # matplotlib: only when needed

    for name, text in (("summary.json", json.dumps(doc, indent=2, allow_nan=False) + "\n"),
                       ("junit.xml", junit_xml(doc)), ("index.html", index_html(doc)),
                       ("summary.md", markdown(doc))):
        temp = folder / (name + ".tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(folder / name)


class _Stop(BaseException):
    """SIGTERM between two scenarios."""


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise _Stop()


def run_regression(names: list[str], duration_s: float = DEFAULT_DURATION_S,
                   out: Path | None = None, run: RunScenario | None = None,
                   distribution: Path | None = None, history: str | None = None) -> int:
    """Run the regression scenarios into ``out`` (default results/regression-<time>/);
    ``distribution`` replaces every scenario's own (a candidate config against the baselines)."""
    if run is None:
        from scenarios.batch.dispatch import run_scenario as run  # the stack only when running
    scenarios = [short_version(s, duration_s) for s in regression_scenarios(names, distribution)]
    started = datetime.now(timezone.utc)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    folder = out if out is not None else REPO_ROOT / "results" / f"regression-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"kind": "regression", "started": stamp, "ts": started.timestamp(),
                           "duration_s": duration_s, "passed": False, "exit_code": 1, "scenarios": []}
    write_outputs(folder, doc)  # from the start: marks the folder as a regression's for the history
    code = 0
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        for index, (scenario, note) in enumerate(scenarios, start=1):
            print(f"regression {index} of {len(scenarios)}: {scenario.name} "
                  f"({scenario.load.duration_s:g} s){' - ' + note if note else ''}", flush=True)
            began = time.monotonic()
            code = run(scenario, folder / scenario.name, None)
            entries = cases(folder, scenario, code, note, time.monotonic() - began)
            judge_against_baselines(folder, entries, history)
            doc["scenarios"] += entries
            write_outputs(folder, doc)
            if code == EXIT_BROKE:
                break
    except KeyboardInterrupt:
        code = EXIT_BROKE
    except _Stop:
        code = EXIT_BROKE
    finally:
        signal.signal(signal.SIGTERM, previous)
    complete = len(doc["scenarios"]) >= len(scenarios) and code != EXIT_BROKE
    doc["passed"] = complete and all(entry["passed"] for entry in doc["scenarios"])
    doc["exit_code"] = code if code == EXIT_BROKE else (EXIT_OK if doc["passed"] else EXIT_FAILED)
    write_outputs(folder, doc)
    for entry in doc["scenarios"]:
        held = sum(1 for row in entry["expect"] if row.get("passed"))
        print(f"{'PASS' if entry['passed'] else 'FAIL'} {entry['name']}: {entry['status']}, "
              f"thresholds {held}/{len(entry['expect'])}, {baseline_words(entry['baseline'])}", flush=True)
    print(f"regression: {folder / 'index.html'}", flush=True)
    return int(doc["exit_code"])


def baseline_words(baseline: dict[str, Any]) -> str:
    """``vs baseline run 4 (last passing): same`` or which metrics are worse, in a few words."""
    from reports.metrics.verdict import plain

    how = baseline["how"]
    if baseline.get("baseline_id") is None:
        return {"off": "no run history kept", "none": "no baseline yet (first passing run becomes it)",
                "not filed": "not in the run history (no report)"}.get(
                    how, f"baseline unavailable: {baseline.get('note', how)}")
    head = f"vs baseline run {baseline['baseline_id']} ({how}): "
    if not baseline["worse"]:
        return head + "no key metric worse"
    worse = [r for r in baseline["rows"] if r["verdict"] == "worse"]
    return head + "WORSE " + ", ".join(
        f"{r['metric']} {plain(r['baseline'])} -> {plain(r['value'])} (noise ±{plain(r['band'])})"
        if r["value"] is not None and r["band"] is not None else f"{r['metric']}: {r['why']}" for r in worse)


def add_parser(sub: Any) -> None:
    """The ``regression`` subcommand of ``python -m scenarios``."""
    parser = sub.add_parser("regression", help="run the 'regression: true' scenarios (short) into "
                                               "results/regression-<time>/; non-zero if any threshold fails")
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these scenarios (default: all marked)")
    parser.add_argument("--duration", default=f"{DEFAULT_DURATION_S:g}",
                        help=f"length of each short run (default {DEFAULT_DURATION_S:g} s)")
    parser.add_argument("--out", type=Path, help="output folder (default results/regression-<UTC time>)")
    parser.add_argument("--distribution", type=Path, metavar="FILE",
                        help="run every scenario on this distribution instead of its own "
                             "(a candidate config judged against the baselines; variants keep theirs)")
    parser.add_argument("--history", metavar="URL",
                        help="the run history (default $HARNESS_HISTORY, else results/history.sqlite); "
                             "'off' to judge thresholds only")


def cmd_regression(args: Any) -> int:
    from scenarios.spec.durations import parse_duration

    try:
        duration = parse_duration(args.duration)
    except ValueError as exc:
        raise ScenarioInputError(f"--duration: {exc}") from None
    if args.distribution is not None and not args.distribution.is_file():
        raise ScenarioInputError(f"--distribution: {args.distribution}: no such file")
    if args.history is not None:
        from reports.history.location import ENV, resolve_url

        resolve_url(args.history)  # refused here, in one line, if it cannot be a history
        os.environ[ENV] = args.history  # where each report files its run, in this process and its children
    return run_regression(list(args.names), duration, args.out, distribution=args.distribution,
                          history=args.history)
