"""``repeat: N``: the same scenario N times, and the distribution of each metric.

A single failover time is an anecdote. A repeated scenario writes ``run-01``, ``run-02``, ...
inside one parent folder, and there ``repeat-summary.json``: every run's status and summary,
then median / min / max / n of each key metric and of each ``expect`` metric. The scenario's
``expect`` thresholds are judged on the **medians**; the exit code is 0 when they hold and
every run completed, 1 otherwise (3 when interrupted or broken: the remaining runs are skipped).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Callable

from contracts.errors import EXIT_BROKE, EXIT_FAILED, EXIT_OK
from reports.metrics.thresholds import parse_expect, parse_metric_path, resolve
from scenarios.spec.model import Scenario

MARKER = "repeat-summary.json"  # the reports package looks for this name next to a run folder
RunOnce = Callable[[Scenario, Path, "str | None"], int]


def _key_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    try:
        from reports.metrics.repeats import key_metrics
    except ImportError:  # an older reports package: the expect metrics are still covered
        return {}
    return key_metrics(summary)


def distribution(summaries: list[dict[str, Any]], expect: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Median/min/max/n of every key metric and every expect metric over ``summaries`` (pure)."""
    paths: dict[str, None] = {}
    for summary in summaries:
        paths.update(dict.fromkeys(_key_metrics(summary)))
    paths.update(dict.fromkeys(metric for metric, _ in expect))
    metrics = {}
    for path in paths:
        values = []
        for summary in summaries:
            value, _why = resolve(summary, parse_metric_path(path))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values.append(float(value))
        metrics[path] = {"median": statistics.median(values) if values else None,
                         "min": min(values) if values else None,
                         "max": max(values) if values else None, "n": len(values)}
    return metrics


def judge(metrics: dict[str, Any], expect: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """The expect rows evaluated on the medians (pure)."""
    rows = []
    for metric, text in expect:
        condition = parse_expect({metric: text})[0].condition
        value = metrics.get(metric, {}).get("median")
        passed = value is not None and condition.holds(value)
        reason = "" if passed else ("no run had this metric" if value is None
                                    else f"median {value:g} is not {condition}")
        rows.append({"metric": metric, "condition": str(condition), "value": value,
                     "passed": passed, "reason": reason})
    return rows


def write_summary(parent: Path, scenario: Scenario, runs: list[dict[str, Any]]) -> dict[str, Any]:
    summaries = [r["summary"] for r in runs if r.get("summary")]
    metrics = distribution(summaries, scenario.expect)
    expect = judge(metrics, scenario.expect)
    doc = {"scenario": scenario.name, "repeat": scenario.repeat, "runs_done": len(runs),
           "runs": runs, "metrics": metrics, "expect": expect,
           "passed": bool(runs) and all(r["status"] == "completed" for r in runs)
           and len(runs) == scenario.repeat and all(row["passed"] for row in expect)}
    temp = parent / (MARKER + ".tmp")
    temp.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    temp.replace(parent / MARKER)
    return doc


def _status(run_dir: Path) -> str:
    try:
        lines = (run_dir / "events.jsonl").read_text().splitlines()
        return str(json.loads(lines[-1]).get("params", {}).get("status") or "failed")
    except (OSError, ValueError, IndexError):
        return "failed"


def run_repeated(scenario: Scenario, parent: Path, target: str | None, run_once: RunOnce) -> int:
    """Run ``scenario`` ``scenario.repeat`` times under ``parent``; returns the exit code."""
    runs: list[dict[str, Any]] = []
    write_summary(parent, scenario, runs)  # the marker first: each run's report sees its siblings
    code = 0
    for i in range(1, scenario.repeat + 1):
        run_dir = parent / f"run-{i:02d}"
        print(f"run {i} of {scenario.repeat}", flush=True)
        code = run_once(scenario, run_dir, target)
        try:
            summary = json.loads((run_dir / "summary.json").read_text())
        except (OSError, ValueError):
            summary = None
        runs.append({"run": run_dir.name, "status": _status(run_dir), "exit_code": code,
                     "passed": bool(summary and summary.get("passed")), "summary": summary})
        write_summary(parent, scenario, runs)
        if code == EXIT_BROKE:  # interrupted or broken: the remaining runs would only prolong the wait
            break
    doc = write_summary(parent, scenario, runs)
    for line in summary_lines(doc):
        print(line, flush=True)
    print(f"repeat summary: {parent / MARKER}", flush=True)
    if code == EXIT_BROKE:
        return code
    return EXIT_OK if doc["passed"] else EXIT_FAILED


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """The distribution of each expect metric, one line each (pure)."""
    lines = [f"{doc['runs_done']} of {doc['repeat']} runs: "
             + ", ".join(f"{r['run']} {r['status']}" for r in doc["runs"])]
    for row in doc["expect"]:
        m = doc["metrics"].get(row["metric"], {})
        spread = (f"median {m.get('median'):.4g} (min {m.get('min'):.4g}, max {m.get('max'):.4g}, n {m.get('n')})"
                  if m.get("median") is not None else "no value")
        mark = "✓" if row["passed"] else "✗"
        lines.append(f"  {mark} {row['metric']} {row['condition']}: {spread}")
    return lines
