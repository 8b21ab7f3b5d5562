"""Repeated runs (``repeat: N``): the distribution of each key metric across the runs.

A repeated scenario writes one run folder per run inside a common folder that also holds
``repeat-summary.json``. When the run being reported sits in such a folder, the report
shows, for each key metric, the median, min and max over the sibling runs that already
have a ``summary.json`` (plus the run itself). A single probe-timed failover is exact to
one tick; the spread across runs says how far it moves from run to run.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from reports.values import number

MARKER = "repeat-summary.json"
RUN_METRICS = ("hit_ratio", "errors", "error_ratio", "latency_ms.p50", "latency_ms.p95", "latency_ms.p99")
FAULT_METRICS = ("time_to_failover_s", "failover_penalty_ms", "error_window_s", "errors",
                 "time_to_recover_s", "time_to_failback_s")


def key_metrics(summary: dict[str, Any]) -> dict[str, float | None]:
    """The metrics worth a distribution, by threshold path (``faults[0].errors``...)."""
    values: dict[str, float | None] = {}
    for path in RUN_METRICS:
        node: Any = summary
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        values[path] = node
    for fault in summary.get("faults") or []:
        for name in FAULT_METRICS:
            values[f"faults[{fault['id']}].{name}"] = fault.get(name)
    return values


def distribution(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min, max and count of every key metric over ``summaries`` (nulls left out)."""
    collected: dict[str, list[float]] = {}
    for summary in summaries:
        for path, value in key_metrics(summary).items():
            bucket = collected.setdefault(path, [])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                bucket.append(float(value))
    metrics = {path: {"median": number(statistics.median(v)) if v else None,
                      "min": number(min(v)) if v else None,
                      "max": number(max(v)) if v else None,
                      "n": len(v)} for path, v in collected.items()}
    return {"runs": len(summaries), "metrics": metrics}


def sibling_summaries(run_dir: Path) -> list[dict[str, Any]] | None:
    """The summaries of the other runs of the same repeat, or None if this is no repeat."""
    parent = run_dir.resolve().parent
    if not (parent / MARKER).exists():
        return None
    found = []
    for folder in sorted(p for p in parent.iterdir() if p.is_dir() and p != run_dir.resolve()):
        try:
            found.append(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a run without a (readable) summary yet
    return found


def for_run(run_dir: Path, summary: dict[str, Any]) -> dict[str, Any] | None:
    """The distribution including ``summary`` when ``run_dir`` belongs to a repeat."""
    siblings = sibling_summaries(run_dir)
    if siblings is None:
        return None
    return distribution([*siblings, summary])

KEY_METRICS = (
    ("faults[0].time_to_failover_s", "Time to failover, first fault", "seconds"),
    ("latency_ms.p95", "Latency p95 over the run", "ms"),
    ("hit_ratio", "Cache hit ratio over the run", "hit ratio"),
    ("errors", "Viewer-visible errors over the run", "errors"),
)
