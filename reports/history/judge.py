"""A run against its scenario's baseline: the key metrics, each judged same/better/worse.

The verdict is :func:`reports.metrics.verdict.judge`, the one ``compare`` uses, on the
baseline's value and the run's; failover times use the coarser of the two runs' probe
resolution. A run is *worse than its baseline* when any judged metric is worse; a regression
run found worse is marked so, and is never chosen as a later run's "last passing" baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.history.store import History, RunRow, open_history
from reports.metrics.repeats import KEY_METRICS
from reports.metrics.verdict import judge_between

JUDGED = tuple(metric for metric, _, _ in KEY_METRICS) + ("faults[0].errors", "faults[0].failover_penalty_ms")


@dataclass(frozen=True)
class Versus:
    """``run`` against ``baseline`` (None: nothing to compare with yet; ``how`` says why)."""

    run: RunRow
    baseline: RunRow | None
    how: str  # "pinned", "last passing", "none"
    rows: list[dict[str, object]]

    @property
    def worse(self) -> list[str]:
        return [str(row["metric"]) for row in self.rows if row["verdict"] == "worse"]


def rows(base: dict[str, float], mine: dict[str, float]) -> list[dict[str, object]]:
    """One row per judged metric present on either side."""
    out = []
    for metric in JUDGED:
        if metric not in base and metric not in mine:
            continue
        verdict = judge_between(metric, base.get, mine.get)
        out.append({"metric": metric, "baseline": base.get(metric), "value": mine.get(metric),
                    "delta": verdict.delta, "band": verdict.band, "verdict": verdict.word,
                    "why": verdict.why})
    return out


def versus(history: History, run: RunRow) -> Versus:
    """``run`` against its scenario's baseline, as the history holds both."""
    baseline, how = history.baseline(run.scenario, before=run)
    if baseline is None:
        return Versus(run, None, how, [])
    values = history.metrics([baseline.id, run.id])
    return Versus(run, baseline, how, rows(values[baseline.id], values[run.id]))


def against_baseline(run_dir: Path, option: str | None = None) -> dict[str, Any]:
    """The run in ``run_dir`` (filed when its report was built) against its baseline, as a
    JSON-ready dict for a regression's summary.json; ``how`` is "off" when no history is kept."""
    history = open_history(option)
    if history is None:
        return {"how": "off", "worse": [], "rows": []}
    with history:
        result = versus(history, history.run(str(run_dir)))
        history.mark_regressed(result.run, bool(result.worse))  # never the next one's baseline
    base = result.baseline
    return {"how": result.how, "run_id": result.run.id,
            "baseline_id": base.id if base else None,
            "baseline_started": base.started_at if base else None,
            "baseline_report": base.report if base else None,
            "worse": result.worse, "rows": result.rows}
