"""What the history files for a run: who, what, where, and every number of its summary.

Pure functions of a run folder's files (``summary.json``'s content, ``events.jsonl``'s
``run-start`` params, the folder's place among its siblings); nothing here opens a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPEAT_MARKER = "repeat-summary.json"  # reports.metrics.repeats.MARKER


@dataclass(frozen=True)
class RunFacts:
    """What the history knows of a run when it files it (the ``runs`` columns it writes)."""

    run_key: str
    scenario: str
    kind: str
    batch: str | None
    started_at: float
    status: str
    passed: bool | None
    distribution: str | None
    distribution_sha256: str | None
    code_version: str | None
    host: str | None
    cores: int | None
    cpu_model: str | None
    report: str | None


@dataclass(frozen=True)
class Entry(RunFacts):
    """One run as the history stores it: its facts plus its ``metrics``."""

    metrics: dict[str, float] = field(default_factory=dict)


def flatten(summary: dict[str, Any]) -> dict[str, float]:
    """Every number of a summary by its threshold path; faults by id, other lists by index.

    ``expect`` (the thresholds' own copies of values) and booleans are left out.
    """
    out: dict[str, float] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, (int, float)):
            out[path] = float(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if not (key == "id" and path.startswith("faults[")):  # the id is in the path
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                key = item.get("id", index) if path == "faults" and isinstance(item, dict) else index
                walk(item, f"{path}[{key}]")

    walk({k: v for k, v in summary.items() if k not in ("expect", "repeats")}, "")
    return out


def kind_of(run_dir: Path, scenario: str) -> tuple[str, str | None]:
    """single, repeat, variant or regression, and the folder that groups it (if any)."""
    run_dir = run_dir.resolve()
    parent = run_dir.parent
    for ancestor in (parent, parent.parent):
        if ancestor.name.startswith("regression-") or _regression_summary(ancestor):
            return "regression", ancestor.name
    if (parent / REPEAT_MARKER).exists():
        return "repeat", parent.name
    if scenario.endswith(f"-{run_dir.name}") and scenario != run_dir.name:
        return "variant", parent.name  # Scenario.variant() names it <scenario>-<variant>
    return "single", None


def _regression_summary(folder: Path) -> bool:
    """Whether ``folder`` holds a regression's own summary.json (a regression run to --out)."""
    try:
        with (folder / "summary.json").open(encoding="utf-8") as handle:
            return '"kind": "regression"' in handle.read(200)  # the first key it writes
    except OSError:
        return False


def run_start(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``run-start`` event (ts and params), or an empty dict."""
    return next((e for e in events if e.get("kind") == "run-start"), {})


def entry(run_dir: Path, summary: dict[str, Any], events: list[dict[str, Any]],
          fallback_ts: float) -> Entry:
    """The history's record of the run in ``run_dir`` whose summary is ``summary``.

    ``fallback_ts``: when the run started, for runs written before ``run-start`` existed.
    """
    start = run_start(events)
    params = start.get("params") or {}
    machine = params.get("machine") if isinstance(params.get("machine"), dict) else {}
    started = float(start.get("ts") or fallback_ts)
    scenario = str(summary.get("scenario") or run_dir.name)
    kind, batch = kind_of(run_dir, scenario)
    status = str(summary.get("status") or "failed")
    cores = machine.get("cores")
    report = run_dir / "report.html"
    return Entry(
        run_key=f"{started:.6f} {scenario} {run_dir.resolve().name}",
        scenario=scenario, kind=kind, batch=batch, started_at=started, status=status,
        passed=bool(summary.get("passed")) if status == "completed" else None,
        distribution=_text(params.get("distribution")),
        distribution_sha256=_text(params.get("distribution_sha256")),
        code_version=_text(params.get("code_version")),
        host=_text(machine.get("host")), cores=cores if isinstance(cores, int) else None,
        cpu_model=_text(machine.get("cpu_model")),
        report=str(report.resolve()) if report.exists() else None,
        metrics=flatten(summary),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
