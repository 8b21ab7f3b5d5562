"""``python -m reports trend DIR``: key metrics across every regression run found in DIR.

A regression run is a folder ``regression-<time>/`` with a ``summary.json`` whose
``kind`` is ``"regression"`` (written by ``python -m scenarios regression``). For each key
metric (time to failover, p95 latency, hit ratio, errors) one chart shows every scenario
as a line over the regression runs' start times, each point with its noise band (so a move
inside the probe's resolution reads as noise), the scenario's threshold as a dotted line,
failed runs marked, so a slow drift is visible long before a threshold trips. The value
axis starts at zero. Writes ``DIR/trend/trend.html`` and its PNGs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from reports.errors import ReportError, RunFolderError
from reports.metrics.repeats import KEY_METRICS
from reports.metrics.thresholds import parse_condition
from reports.metrics.verdict import band
from reports.render.chartkit import PALETTE, finish_date_chart, new_figure, save
from reports.render.htmlkit import e, fmt_in, images, page, table


@dataclass(frozen=True)
class Point:
    """One scenario's value of one metric in one regression run, and its threshold then."""

    when: datetime
    scenario: str
    metric: str
    value: float | None
    passed: bool
    condition: str = ""
    none: bool = False  # the run had this metric but no value: e.g. no failover in the window


def find_regressions(root: Path) -> list[dict[str, Any]]:
    """Every regression summary under ``root`` (itself included), oldest first."""
    root = Path(root)
    if not root.is_dir():
        raise RunFolderError(f"{root}: {'not a folder' if root.exists() else 'no such folder'}")
    found = []
    for path in sorted(root.rglob("summary.json")):
        if not path.parent.name.startswith("regression-"):
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a regression still being written, or damaged: not a point
        if isinstance(doc, dict) and doc.get("kind") == "regression" and isinstance(doc.get("ts"), (int, float)):
            found.append({**doc, "folder": str(path.parent)})
    return sorted(found, key=lambda doc: doc["ts"])


def points(regressions: list[dict[str, Any]]) -> list[Point]:
    """Flatten regression summaries into (time, scenario, metric, value) points."""
    out = []
    for doc in regressions:
        when = datetime.fromtimestamp(doc["ts"], tz=timezone.utc)
        for scenario in doc.get("scenarios") or []:
            metrics = scenario.get("metrics") or {}
            conditions = {str(row.get("metric")): str(row.get("condition"))
                          for row in scenario.get("expect") or []}
            for metric, _, _ in KEY_METRICS:
                value = metrics.get(metric)
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
                out.append(Point(when, str(scenario.get("name")), metric, float(value) if ok else None,
                                 bool(scenario.get("passed")), conditions.get(metric, ""),
                                 metric in metrics and value is None))
    return out


def chart(all_points: list[Point], metric: str, title: str, unit: str) -> Figure:
    figure, axes = new_figure(f"{title} ({metric}) per regression run; bars: noise band")
    mine = [p for p in all_points if p.metric == metric and p.value is not None]
    nones = [p for p in all_points if p.metric == metric and p.none]
    scenarios = sorted({p.scenario for p in mine})
    failed_label = "failed run"  # one legend entry for every red cross
    for index, scenario in enumerate(scenarios):
        series = sorted((p for p in mine if p.scenario == scenario), key=lambda p: p.when)
        colour = PALETTE[index % len(PALETTE)]
        values = [float(p.value) for p in series if p.value is not None]
        # Each point with its noise band (reports.metrics.verdict): a step inside the bars is
        # noise, not a change.
        bars = [band(metric, v, v) for v in values]
        axes.errorbar([p.when for p in series], values, yerr=bars, marker="o", ms=4, capsize=3,
                      color=colour, lw=1.4, elinewidth=0.8, label=scenario)
        for limit in _threshold_lines(series[-1].condition):
            axes.axhline(limit, color=colour, lw=1, ls=":", zorder=1)
            axes.annotate(f"threshold {series[-1].condition}", (1.0, limit), xycoords=("axes fraction", "data"),
                          ha="right", va="bottom", fontsize=8, color=colour)
        failed = [p for p in series if not p.passed]
        if failed:
            axes.scatter([p.when for p in failed], [p.value for p in failed], marker="x", s=70,
                         color="#cf222e", zorder=5, label=failed_label)
            failed_label = "_nolegend_"
    if nones:  # a value that never came (no failover within the window): a mark at the top
        axes.scatter([p.when for p in nones], [0.96] * len(nones), marker="^", s=80, color="#cf222e",
                     zorder=6, transform=axes.get_xaxis_transform(), label="none in the window")
    # From zero, so a change inside the probe's resolution never looks like a fall.
    finish_date_chart(axes, [p.when for p in mine + nones], "regression run start (UTC)", unit)
    return figure


def _threshold_lines(condition: str) -> list[float]:
    """The values a threshold condition draws as lines (one, or two for a range)."""
    if not condition:
        return []
    try:
        parsed = parse_condition(condition)
    except ReportError:
        return []
    return [parsed.lo] if parsed.hi is None else [parsed.lo, parsed.hi]


def write_trend(root: Path, out: Path | None = None) -> tuple[Path, int]:
    """Charts and a table of every regression run under ``root``; returns (page, runs found)."""
    regressions = find_regressions(root)
    out = Path(out) if out is not None else Path(root) / "trend"
    (out / "plots").mkdir(parents=True, exist_ok=True)
    all_points = points(regressions)
    written = {}
    for index, (metric, title, unit) in enumerate(KEY_METRICS):
        path = out / "plots" / f"{index}-{metric.replace('[', '').replace(']', '').replace('.', '_')}.png"
        save(chart(all_points, metric, title, unit), path)
        written[metric] = path
    rows = []
    for doc in reversed(regressions):
        for scenario in doc.get("scenarios") or []:
            metrics = scenario.get("metrics") or {}
            rows.append([e(doc.get("started", "")), e(scenario.get("name")),
                         '<span class="pass">PASS</span>' if scenario.get("passed") else
                         '<span class="fail">FAIL</span>',
                         *(e(fmt_in(metrics, m)) for m, _, _ in KEY_METRICS)])
    body = (f"<h1>Trend across {len(regressions)} regression runs</h1>"
            f"<p class='note'>Found under {e(Path(root))}; newest first in the table.</p>"
            + images(written) + "<h2>Every run</h2>"
            + table(("regression run", "scenario", "result", *(m for m, _, _ in KEY_METRICS)), rows))
    (out / "trend.html").write_text(page("trend of regression runs", body), encoding="utf-8")
    return out / "trend.html", len(regressions)
