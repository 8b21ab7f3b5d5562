"""Build the report of a run folder: summary.json, plots/*.png and report.html."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from reports.errors import HistoryError, ThresholdError
from reports.history.location import resolve_url
from reports.history.record import entry
from reports.metrics import failover, repeats, thresholds
from reports.metrics import overall as metrics
from reports.read import edgelog, security
from reports.read.load import Run, read_run
from reports.render import html, plots
from reports.render.chart_worker import Charts, many_rows

RUN_FILES = ("events.jsonl", "requests.csv", "requests.parquet")  # any one makes a run folder


def fault_metrics(run: Run) -> list[dict[str, Any]]:
    """The ``faults`` block of the summary: each fault's failover and recovery."""
    return failover.fault_metrics(run.requests, run.faults, run.duration_s, run.settings.success_ratio,
                                  run.settings.error_grace_s)


def summarize(run: Run, faults: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every metric of the run as a JSON-ready dict (``expect`` and ``passed`` included);
    ``faults`` is :func:`fault_metrics`, when already worked out."""
    frame = run.requests
    probe, viewers = metrics.streams(frame)
    summary: dict[str, Any] = {
        "scenario": run.settings.name,
        "status": run.status,
        **metrics.overview(frame, run.duration_s),
        "interrupted": run.interrupted,  # in flight when the load stopped: not in any figure
        "phases": metrics.phases(frame, run.faults, run.duration_s),
        "probe": probe,
        "viewers": viewers,
        "faults": fault_metrics(run) if faults is None else faults,
        "edge_log": edgelog.cross_check(run.path / "edge-access.log", frame),
        "security": security.summarize(frame, run.path),  # attacks, FLE, plaintext leaks
    }
    summary["expect"] = check_expect(summary, run.settings.expect)
    # PASS only for a run that ran to its end and whose thresholds all held: an interrupted,
    # failed or deviated run has not shown what its thresholds claim.
    summary["passed"] = run.status == "completed" and all(row["passed"] for row in summary["expect"])
    return summary


def check_expect(summary: dict[str, Any], expect: dict[str, Any]) -> list[dict[str, Any]]:
    """Evaluate each threshold; one with bad syntax fails with its parse error as reason."""
    rows = []
    for metric, condition in expect.items():
        try:
            parsed = thresholds.parse_expect({metric: condition})
        except ThresholdError as exc:
            rows.append({"metric": str(metric), "condition": str(condition), "value": None,
                         "passed": False, "reason": str(exc)})
            continue
        rows.extend(thresholds.evaluate(summary, parsed))
    return rows


def build_report(run_dir: Path, charts_apart: bool | None = None) -> dict[str, Any]:
    """Read ``run_dir``, write summary.json, plots/*.png and report.html there; return the summary.

    The charts are drawn in a second process while the summary is worked out when
    ``charts_apart`` (by default: when the run has many rows, reports.render.chart_worker).
    Raises :class:`reports.errors.RunFolderError` when ``run_dir`` is not a readable run folder.
    """
    run_dir = Path(run_dir)
    apart = many_rows(run_dir) if charts_apart is None else charts_apart
    # Started before the rows are read: the worker loads matplotlib meanwhile. The edge log
    # is counted in a thread meanwhile too (Arrow's parser lets go of the GIL).
    with Charts(run_dir / "plots", apart) as charts, ThreadPoolExecutor(1) as background:
        edge_log = background.submit(edgelog.read_edge_log, run_dir / "edge-access.log")
        run = read_run(run_dir)
        faults = fault_metrics(run)  # first: the close-ups draw each failover time
        failover_s = {f["id"]: f["time_to_failover_s"] for f in faults}
        for job in plots.jobs(run, failover_s):
            charts.draw(job)
        edge_log.result()  # kept by read_edge_log for the cross-check and the security section
        summary = summarize(run, faults)
        spread = repeats.for_run(run_dir, summary)
        if spread is not None:
            summary["repeats"] = spread
        images = charts.close()
    _write(run_dir / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    events = [{**e, "t": round(float(e["ts"]) - run.load_start_ts, 3)} for e in run.events]
    _write(run_dir / "report.html", html.render(summary, images, events, run.settings.text))
    file_in_history(run_dir, run, summary)
    return summary


def file_in_history(run_dir: Path, run: Run, summary: dict[str, Any]) -> None:
    """Record the run in the run history (reports.history.location says where); a history that
    cannot be written is said on stderr and never costs the report."""
    try:
        if resolve_url(None) is None:  # recording is off: SQLAlchemy is not even loaded
            return
        from reports.history.store import file_run

        file_run(entry(run_dir, summary, run.events, run.load_start_ts))
    except HistoryError as exc:
        print(f"reports: not filed in the run history: {exc}", file=sys.stderr, flush=True)


def _write(path: Path, text: str) -> None:
    """Write atomically, so a reader never sees half a file."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)


def is_run(folder: Path) -> bool:
    return any((folder / name).exists() for name in RUN_FILES)


def build_repeat(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Rebuild every run of a repeat folder, so each report shows the whole distribution.

    Every run's summary.json is written first; then each report reads all of them.
    """
    runs = sorted(p for p in Path(folder).iterdir() if p.is_dir() and is_run(p))
    for run in runs:
        _write(run / "summary.json", json.dumps(summarize(read_run(run)), indent=2, allow_nan=False) + "\n")
    return [(run, build_report(run)) for run in runs]


def build_group(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Rebuild every run below a folder that groups runs: a repeat, variants, a regression."""
    folder = Path(folder)
    if (folder / repeats.MARKER).exists():
        return build_repeat(folder)
    built: list[tuple[Path, dict[str, Any]]] = []
    for child in sorted(p for p in folder.iterdir() if p.is_dir()):
        if is_run(child):
            built.append((child, build_report(child)))
        elif (child / repeats.MARKER).exists() or any(g.is_dir() and is_run(g) for g in child.iterdir()):
            built += build_group(child)
    return built
