"""After a run: build the report from the run folder and print its headline numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from reports.values import with_resolution


def _fmt(value: Any, unit: str = "", digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}{unit}"
    return f"{value}{unit}"


def summary_lines(summary: dict[str, Any], run_dir: Path) -> list[str]:
    """The short summary printed after a run (pure): the key numbers, each fault's failover
    rounded to the probe's resolution, then a line per threshold, ✓ held or ✗ not, and the
    verdict (only when thresholds were set and the run completed)."""
    latency = summary.get("latency_ms") or {}
    lines = [
        f"requests {summary.get('requests')} | hit ratio {_fmt(summary.get('hit_ratio'))} | "
        f"latency p50 {_fmt(latency.get('p50'), ' ms')} p95 {_fmt(latency.get('p95'), ' ms')} "
        f"p99 {_fmt(latency.get('p99'), ' ms')} | errors {summary.get('errors')}",
    ]
    for fault in summary.get("faults") or []:
        failover, tick = fault.get("time_to_failover_s"), fault.get("resolution_s")
        shown = with_resolution(failover, tick) + " s" if failover is not None and tick else _fmt(failover, " s")
        what = (f"fault {fault.get('id')} {fault.get('kind')} on {fault.get('target')}"
                f"{' (' + str(fault['detail']) + ')' if fault.get('detail') else ''}")
        if fault.get("target") == "edge":  # the edge's own code: nothing fails over
            lines.append(f"{what}: errors during the fault {fault.get('errors')}, recovered after "
                         f"{_fmt(fault.get('time_to_recover_s'), ' s')} (no origin failed: no failover)")
            continue
        lines.append(
            f"{what}: time to failover {shown if failover is not None else 'none within the window'}, "
            f"errors during the fault {fault.get('errors')}")
    rows = summary.get("expect") or []
    for row in rows:
        mark = "✓" if row.get("passed") else "✗"
        reason = f" ({row['reason']})" if row.get("reason") else ""
        lines.append(f"  {mark} {row.get('metric')} {row.get('condition')}: value {_fmt(row.get('value'))}{reason}")
    held = sum(1 for row in rows if row.get("passed"))
    if not rows:
        lines.append("thresholds: none set")
    elif summary.get("status") != "completed":
        lines.append(f"thresholds: not judged, the run {summary.get('status')} ({held} of {len(rows)} held)")
    else:
        lines.append(f"thresholds: {held} of {len(rows)} held {'✓ PASS' if held == len(rows) else '✗ FAIL'}")
    lines.append(f"report: {run_dir / 'report.html'}")
    return lines


def build_and_summarize(run_dir: Path, say: Callable[[str], None]) -> bool | None:
    """Build the report; print the summary. Returns whether every expectation held (None: no report)."""
    try:
        from reports.build import build_report
        from reports.errors import ReportError
    except ImportError as exc:
        say(f"report not built: {exc}")
        return None
    try:
        summary = build_report(run_dir)
    except ReportError as exc:
        say(f"report not built: {exc}")
        return False
    for line in summary_lines(summary, run_dir):
        say(line)
    if (run_dir / "locust.html").exists():
        say(f"locust's own report: {run_dir / 'locust.html'} (its tables: locust_*.csv; "
            f"its summary: {run_dir / 'logs' / 'locust.log'})")
    return bool(summary.get("passed", True))
