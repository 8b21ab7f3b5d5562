"""Drawing the charts of a run from their data (:class:`~reports.render.chartdata.Job`), with
matplotlib's Agg canvas: no pandas here, so the chart worker loads only what it draws with.

Every time axis shades the fault windows and labels them with target and kind, so a
reader sees cause and effect on the same chart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports.render.chartdata import Job, Steps
from reports.render.chartkit import (
    CACHE_COLOURS,
    legend_right,
    log_axis,
    new_figure,
    no_data,
    origin_colours,
    per_second,
    save,
    scatter_outcomes,
    shade_faults,
    stacked,
    time_axis,
)


def _time_axis(axes: Axes, job: Job, ylabel: str) -> None:
    time_axis(axes, job.faults, job.duration_s, ylabel)


def _ordered(steps: Steps, first: list[str]) -> Steps:
    """``steps`` with the columns named in ``first`` first, in that order."""
    order = [c for c in first if c in steps.columns] + [c for c in steps.columns if c not in first]
    return Steps(steps.x, {c: steps.columns[c] for c in order})


def latency(job: Job) -> Figure:
    figure, axes = new_figure("Latency per second (p50, p95, p99)")
    steps: Steps | None = job.data["steps"]
    if steps is None:
        no_data(axes, "requests")
    else:
        # p99 first and p95 dashed on top: where they coincide both stay visible.
        for column, colour, style in (("p99", "#d62728", "-"), ("p95", "#ff7f0e", "--"),
                                      ("p50", "#1f77b4", "-")):
            per_second(axes, steps.x, steps.columns[column], color=colour, ls=style, lw=1.6, label=column)
        log_axis(axes)
        legend_right(axes)
    _time_axis(axes, job, "latency (ms, log scale)")
    return figure


def _bands(job: Job, title: str, colours: dict[str, str], missing: str, ylabel: str,
           share: bool = False) -> Figure:
    """Stacked bands over time, in the order of ``colours`` first; ``share``: from 0 to 1."""
    figure, axes = new_figure(title)
    steps: Steps = job.data["steps"]
    stacked(axes, _ordered(steps, list(colours)), colours)
    if steps.empty:
        no_data(axes, missing)
    if share:
        axes.set_ylim(0, 1.0)
    _time_axis(axes, job, ylabel)
    return figure


def requests(job: Job) -> Figure:
    return _bands(job, "Requests per second by X-Cache result", CACHE_COLOURS, "requests", "requests / s")


def hit_ratio(job: Job) -> Figure:
    figure, axes = new_figure("Cache hit ratio per second: (Hit + RefreshHit) / (Hit + RefreshHit + Miss)")
    steps: Steps | None = job.data["steps"]
    if steps is None:
        no_data(axes, "hits or misses")
    else:
        [values] = steps.columns.values()
        per_second(axes, steps.x, values, color="#2ca02c")
    axes.set_ylim(0, 1.0)
    _time_axis(axes, job, "hit ratio")
    return figure


def origins(job: Job) -> Figure:
    return _bands(job, "Share of cache misses fetched from each origin (X-Origin-Id)",
                  origin_colours(list(job.data["steps"].columns)), "origin-tagged misses", "share of misses",
                  share=True)


def errors(job: Job) -> Figure:
    return _bands(job, "Failed requests per second, by status (0: no response)", {"no response": "#7f7f7f"},
                  "errors", "errors / s")


def streams(job: Job) -> Figure:
    """Probe (open model) beside viewers (closed model): what coordinated omission hides."""
    figure, axes = new_figure("Latency per second: probe (open model) vs viewers (closed model)")
    drawn = False
    for label, colour in (("probe", "#d62728"), ("viewers", "#1f77b4")):
        steps: Steps | None = job.data[label]
        if steps is None:
            continue
        drawn = True
        per_second(axes, steps.x, steps.columns["p95"], color=colour, lw=1.6, label=f"{label} p95")
        per_second(axes, steps.x, steps.columns["p50"], color=colour, lw=1.0, ls=":", label=f"{label} p50")
    if drawn:
        log_axis(axes)
        legend_right(axes)
    else:
        no_data(axes, "requests")
    _time_axis(axes, job, "latency (ms, log scale)")
    return figure


def latency_histogram(job: Job) -> Figure:
    """Hits vs misses, before the first fault vs during the faults (successful requests)."""
    figure, axes = new_figure("Latency distribution of successful requests: hit vs miss, "
                              "before vs during faults")
    if not job.data["groups"]:
        no_data(axes, "successful requests")
        axes.set_xlabel("latency (ms)")
        axes.set_ylabel("share of requests in bin")
        return figure
    bins = job.data["bins"]
    colours = {"hit": "#2ca02c", "miss": "#1f77b4"}
    for group in job.data["groups"]:
        # One weighted value a bin: the same outline as the group's latencies histogrammed.
        axes.hist(bins[:-1], bins=bins, weights=group["share"], histtype="step", lw=1.8,
                  ls=group["style"], color=colours[group["cache"]], label=group["label"])
    log_axis(axes, "x")
    legend_right(axes)
    axes.set_xlabel("latency (ms, log scale)")
    axes.set_ylabel("share of requests in bin")
    return figure


def failover(job: Job) -> Figure:
    """Each probe request around ``t0``: send time vs latency, by origin and outcome."""
    fault = job.data["fault"]
    figure, axes = new_figure(f"Failover close-up, fault {fault.label}: probe requests, t0-3 s to t0+5 s")
    if job.data["all_requests"]:
        axes.set_title(axes.get_title() + " (no probe: all requests)", loc="left", fontsize=12)
    points = job.data["points"]
    colours = {**origin_colours(list(points)), "": "#7f7f7f"}
    for origin, colour in colours.items():
        if origin in points:
            rows = points[origin]
            scatter_outcomes(axes, rows["t"], rows["latency_ms"], rows["ok"], origin or "no origin", colour, s=22)
    if not points:
        no_data(axes, "requests near this fault")
    else:
        log_axis(axes)
        legend_right(axes)
    failover_s = job.data["failover_s"]
    if failover_s is not None:
        axes.axvline(fault.t0 + failover_s, color="#2ca02c", lw=1.5,
                     label=f"failed over\n(t0 + {failover_s:.3f} s)")
        legend_right(axes)
    shade_faults(axes, [fault], (fault.t0 - 3, fault.t0 + 5))
    axes.set_xlim(fault.t0 - 3, fault.t0 + 5)
    axes.set_xlabel("send time since load start (s)")
    axes.set_ylabel("latency (ms, log scale)")
    return figure


DRAWINGS: dict[str, Callable[[Job], Figure]] = {
    "latency": latency, "requests": requests, "hit_ratio": hit_ratio, "origins": origins,
    "errors": errors, "streams": streams, "latency_hist": latency_histogram, "failover": failover,
}


def draw(job: Job, out_dir: Path) -> Path:
    """Draw ``job`` into ``out_dir/<name>.png``; its path."""
    path = out_dir / f"{job.name}.png"
    save(DRAWINGS[job.kind](job), path)
    return path

