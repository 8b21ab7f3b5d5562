"""The history page: runs by scenario over time, each against its baseline.

A pure function of what the history holds (:class:`reports.history.judge.Versus` per run,
newest first). Per key metric one chart: every scenario a line over its runs' start times,
failed runs as red crosses, the baseline as a star with its noise band shaded, so a drift
shows before a threshold trips and a move inside the noise does not look like a fall.
Then a table per scenario: each run linked to its report, its verdict per key metric.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from matplotlib.figure import Figure

from reports.history.judge import Versus
from reports.history.store import RunRow
from reports.metrics.repeats import KEY_METRICS
from reports.metrics.verdict import band
from reports.render.chartkit import PALETTE, finish_date_chart, new_figure, save
from reports.render.htmlkit import e, fmt, images, page, table

VERDICT_CSS = {"worse": "worse", "better": "better"}


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def chart(items: list[Versus], values: dict[int, dict[str, float]], metric: str, title: str,
          unit: str, baselines: dict[str, RunRow | None]) -> Figure:
    figure, axes = new_figure(f"{title} ({metric}) per run")
    scenarios = sorted({v.run.scenario for v in items})
    drawn: list[datetime] = []
    failed_label = "failed run"
    legend = {"never": "none in the window", "band": "baseline ★ ± noise"}  # one entry each
    for index, scenario in enumerate(scenarios):
        mine = sorted((v for v in items if v.run.scenario == scenario and metric in values[v.run.id]),
                      key=lambda v: v.run.started_at)
        if not mine:
            continue
        colour = PALETTE[index % len(PALETTE)]
        xs = [_when(v.run.started_at) for v in mine]
        ys = [values[v.run.id][metric] for v in mine]
        drawn += xs
        axes.plot(xs, ys, marker="o", ms=4, lw=1.4, color=colour, label=scenario)
        failed = [(x, y) for x, y, v in zip(xs, ys, mine) if v.run.passed is not True]
        if failed:
            axes.scatter(*zip(*failed), marker="x", s=70, color="#cf222e", zorder=5, label=failed_label)
            failed_label = "_nolegend_"
        never = [_when(v.run.started_at) for v in items if v.run.scenario == scenario
                 and any(r["metric"] == metric and r["value"] is None and r["verdict"] == "worse"
                         for r in v.rows)]
        if never:  # a failover that never happened: a mark at the top, not a missing point
            axes.scatter(never, [0.96] * len(never), marker="^", s=80, color="#cf222e", zorder=6,
                         transform=axes.get_xaxis_transform(),
                         label=legend.pop("never", "_nolegend_"))
            drawn += never
        base = baselines.get(scenario)
        if base is not None and metric in values.get(base.id, {}):
            y0 = values[base.id][metric]
            width = band(metric, y0, y0, values[base.id].get("faults[0].resolution_s"))
            axes.axhspan(max(y0 - width, 0.0), y0 + width, color=colour, alpha=0.12,
                         label=legend.pop("band", "_nolegend_"))
            drawn.append(_when(base.started_at))
            axes.scatter([_when(base.started_at)], [y0], marker="*", s=160, color=colour,
                         edgecolor="black", zorder=6)
    finish_date_chart(axes, drawn, "run start (UTC)", unit)
    return figure


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _link(report: str | None, out: Path) -> str:
    if not report:
        return ""
    try:
        href = os.path.relpath(report, out)
    except ValueError:  # another drive
        href = Path(report).as_uri()
    return f'<a href="{e(href)}">report</a>'


def _result(v: Versus) -> str:
    if v.run.passed is None:
        return f'<span class="fail">{e(v.run.status.upper())}</span>'
    return '<span class="pass">PASS</span>' if v.run.passed else '<span class="fail">FAIL</span>'


def _versus_cell(v: Versus, metric: str, values: dict[str, float]) -> str:
    value = fmt(values.get(metric)) if metric in values else "–"
    row = next((r for r in v.rows if r["metric"] == metric), None)
    if row is not None and row["value"] is None and row["verdict"] == "worse":
        value = "none"
    if row is None or not row["verdict"]:
        return e(value)
    css = VERDICT_CSS.get(str(row["verdict"]), "")
    return f'{e(value)} <span class="{css}" title="{e(row["why"])}">{e(row["verdict"])}</span>'


def render(items: list[Versus], values: dict[int, dict[str, float]], out: Path, where: str,
           filters: str, baselines: dict[str, tuple[RunRow | None, str]]) -> Path:
    """Write ``out/history.html`` (and its charts) for ``items``, newest first;
    ``baselines``: each scenario's baseline for its next run, and how it was chosen."""
    (out / "plots").mkdir(parents=True, exist_ok=True)
    plots = {}
    current = {scenario: base for scenario, (base, _) in baselines.items()}
    for index, (metric, title, unit) in enumerate(KEY_METRICS):
        path = out / "plots" / f"history-{index}.png"
        save(chart(items, values, metric, title, unit, current), path)
        plots[metric] = path
    sections = []
    for scenario in sorted({v.run.scenario for v in items}):
        mine = [v for v in items if v.run.scenario == scenario]
        base, how = baselines.get(scenario, (None, "none"))
        head = (f"Baseline for the next run: run {base.id} of "
                f"{e(_when(base.started_at).strftime('%Y-%m-%d %H:%M'))} ({e(how)}, ★)" if base
                else "No baseline yet: the first run that passes its thresholds becomes it")
        rows = []
        for v in mine:
            mark = " ★" if base is not None and base.id == v.run.id else ""
            when = _when(v.run.started_at).strftime("%Y-%m-%d %H:%M:%S")
            rows.append([e(f"{v.run.id}{mark}"), f'<span style="white-space:nowrap">{when}</span>',
                         e(v.run.kind),
                         f'{e((v.run.distribution or "").rsplit("/", 1)[-1])}<br><small '
                         f'title="SHA-256 {e(v.run.distribution_sha256 or "unknown")}">'
                         f'{e((v.run.distribution_sha256 or "")[:8])}</small>', e(v.run.code_version or ""),
                         f'<span title="{e(v.run.cpu_model or "")}">{e(v.run.host or "?")}, '
                         f'{e(v.run.cores or "?")} cores</span>', _result(v),
                         *(_versus_cell(v, m, values[v.run.id]) for m, _, _ in KEY_METRICS),
                         _link(v.run.report, out)])
        sections.append(f"<h2>{e(scenario)}</h2><p class='note'>{head}. Each run is judged against "
                        "the baseline it had; a verdict is given only beyond the metric's noise band "
                        "(hover it for why).</p>"
                        + table(("run", "started (UTC)", "kind", "distribution", "code",
                                 "machine", "result", *(m for m, _, _ in KEY_METRICS), ""), rows))
    failed = sum(1 for v in items if v.run.passed is not True)
    worse = sum(1 for v in items if v.worse)
    count = len({v.run.scenario for v in items})
    body = (f"<h1>Run history: {_plural(len(items), 'run')} of {_plural(count, 'scenario')}</h1>"
            f"<p class='note'>From {e(where)}{e(filters)}. {failed} failed or incomplete, {worse} worse "
            "than their baseline on a key metric. Newest first.</p>"
            + images(plots) + "".join(sections))
    path = out / "history.html"
    path.write_text(page("run history", body), encoding="utf-8")
    return path
