"""Charts of a run (matplotlib, Agg backend): PNGs of about 1200x450 pixels.

Every time axis shades the fault windows and labels them with target and kind, so a
reader sees cause and effect on the same chart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from contracts.requests_csv import HIT_WORDS
from reports.metrics import timeseries
from reports.read.load import FaultWindow, Run
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


def _time_axis(axes: Axes, run: Run, ylabel: str) -> None:
    time_axis(axes, run.faults, run.duration_s, ylabel)


def cuts(run: Run) -> list[float]:
    """Where bins are cut besides whole seconds: every fault window's edges."""
    return sorted({edge for f in run.faults for edge in (f.t0, f.t1)})


def latency_chart(run: Run) -> Figure:
    figure, axes = new_figure("Latency per second (p50, p95, p99)")
    table = timeseries.latency_percentiles(run.requests, cuts(run))
    if table.dropna(how="all").empty:
        no_data(axes, "requests")
    else:
        # p99 first and p95 dashed on top: where they coincide both stay visible.
        for column, colour, style in (("p99", "#d62728", "-"), ("p95", "#ff7f0e", "--"),
                                      ("p50", "#1f77b4", "-")):
            per_second(axes, table[column], color=colour, ls=style,
                      lw=1.6, label=column)
        log_axis(axes)
        legend_right(axes)
    _time_axis(axes, run, "latency (ms, log scale)")
    return figure


def requests_chart(run: Run) -> Figure:
    figure, axes = new_figure("Requests per second by X-Cache result")
    table = timeseries.per_second_rate(timeseries.counts_by(run.requests, "x_cache", cuts=cuts(run)))
    order = [c for c in CACHE_COLOURS if c in table.columns]
    stacked(axes, table[order + [c for c in table.columns if c not in order]], CACHE_COLOURS)
    if table.empty:
        no_data(axes, "requests")
    _time_axis(axes, run, "requests / s")
    return figure


def hit_ratio_chart(run: Run) -> Figure:
    figure, axes = new_figure("Cache hit ratio per second: (Hit + RefreshHit) / (Hit + RefreshHit + Miss)")
    series = timeseries.hit_ratio(run.requests, cuts(run))
    if series.dropna().empty:
        no_data(axes, "hits or misses")
    else:
        per_second(axes, series, color="#2ca02c")
    axes.set_ylim(0, 1.0)
    _time_axis(axes, run, "hit ratio")
    return figure


def origins_chart(run: Run) -> Figure:
    figure, axes = new_figure("Share of cache misses fetched from each origin (X-Origin-Id)")
    table = timeseries.origin_share(run.requests, cuts(run))
    colours = origin_colours([str(c) for c in table.columns])
    stacked(axes, table[list(colours)] if colours else table, colours)
    if table.empty or table.columns.empty:
        no_data(axes, "origin-tagged misses")
    axes.set_ylim(0, 1.0)
    _time_axis(axes, run, "share of misses")
    return figure


def errors_chart(run: Run) -> Figure:
    figure, axes = new_figure("Failed requests per second, by status (0: no response)")
    table = timeseries.per_second_rate(timeseries.errors_by_status(run.requests, cuts(run)))
    stacked(axes, table, {"no response": "#7f7f7f"})
    if table.empty or table.columns.empty:
        no_data(axes, "errors")
    _time_axis(axes, run, "errors / s")
    return figure


def failover_chart(run: Run, fault: FaultWindow, failover_s: float | None) -> Figure:
    """Each probe request around ``t0``: send time vs latency, by origin and outcome."""
    figure, axes = new_figure(f"Failover close-up, fault {fault.label}: probe requests, t0-3 s to t0+5 s")
    frame = run.requests
    near = frame[(frame["t"] >= fault.t0 - 3) & (frame["t"] <= fault.t0 + 5)]
    probes = near[near["user"] == "Probe"]
    if probes.empty and not near.empty:
        probes = near  # no probe stream: show every request instead
        axes.set_title(axes.get_title() + " (no probe: all requests)", loc="left", fontsize=12)
    names = probes["origin"].astype("str")
    colours = {**origin_colours(list(set(names))), "": "#7f7f7f"}
    for origin, colour in colours.items():
        scatter_outcomes(axes, probes[names == origin], origin or "no origin", colour, s=22)
    if probes.empty:
        no_data(axes, "requests near this fault")
    else:
        log_axis(axes)
        legend_right(axes)
    if failover_s is not None:
        axes.axvline(fault.t0 + failover_s, color="#2ca02c", lw=1.5,
                     label=f"failed over\n(t0 + {failover_s:.3f} s)")
        legend_right(axes)
    shade_faults(axes, [fault], (fault.t0 - 3, fault.t0 + 5))
    axes.set_xlim(fault.t0 - 3, fault.t0 + 5)
    axes.set_xlabel("send time since load start (s)")
    axes.set_ylabel("latency (ms, log scale)")
    return figure


def streams_chart(run: Run) -> Figure:
    """Probe (open model) beside viewers (closed model): what coordinated omission hides."""
    figure, axes = new_figure("Latency per second: probe (open model) vs viewers (closed model)")
    frame = run.requests
    is_probe = frame["user"] == "Probe"
    drawn = False
    times = frame[["t", "latency_ms"]]  # slices copy every column: only the two used
    for label, rows, colour in (("probe", times[is_probe], "#d62728"),
                                ("viewers", times[~is_probe], "#1f77b4")):
        table = timeseries.latency_percentiles(rows, cuts(run))
        if table.dropna(how="all").empty:
            continue
        drawn = True
        per_second(axes, table["p95"], color=colour, lw=1.6,
                  label=f"{label} p95")
        per_second(axes, table["p50"], color=colour, lw=1.0, ls=":",
                  label=f"{label} p50")
    if drawn:
        log_axis(axes)
        legend_right(axes)
    else:
        no_data(axes, "requests")
    _time_axis(axes, run, "latency (ms, log scale)")
    return figure


def latency_histogram(run: Run) -> Figure:
    """Hits vs misses, before the first fault vs during the faults (successful requests)."""
    figure, axes = new_figure("Latency distribution of successful requests: hit vs miss, "
                           "before vs during faults")
    frame = run.requests[run.requests["ok"] == 1]
    values = frame["latency_ms"].to_numpy(dtype="float64")
    values = values[values > 0]
    if values.size == 0:
        no_data(axes, "successful requests")
        axes.set_xlabel("latency (ms)")
        axes.set_ylabel("share of requests in bin")
        return figure
    during = np.zeros(len(frame), dtype=bool)
    for fault in run.faults:
        during |= ((frame["t"] >= fault.t0) & (frame["t"] < fault.t1)).to_numpy()
    before = (frame["t"] < run.faults[0].t0).to_numpy() if run.faults else np.ones(len(frame), bool)
    periods = (("before", before, "-"), ("during", during, "--")) if run.faults else (("", before, "-"),)
    is_hit = frame["x_cache"].isin(HIT_WORDS).to_numpy()
    is_miss = (frame["x_cache"] == "Miss").to_numpy()
    latency = frame["latency_ms"].to_numpy(dtype="float64")
    groups = [latency[c & p] for c in (is_hit, is_miss) for _, p, _ in periods]
    smallest = min((g.size for g in groups if g.size), default=1)
    # Enough bins to show shape, few enough that the smallest group is not all noise.
    count = int(min(80, max(12, 2 * np.sqrt(smallest))))
    # Bin edges must increase: when every latency is the same (a short or interrupted run),
    # the range is widened to a factor of two around it.
    low = max(float(values.min()), 0.01)
    bins = np.geomspace(low, max(float(values.max()), low * 2), count)
    for cache, mask, colour in (("hit", is_hit, "#2ca02c"), ("miss", is_miss, "#1f77b4")):
        for period, in_period, style in periods:
            data = latency[mask & in_period]
            if data.size:
                label = f"{cache} {period}".strip() + f"\nn={data.size:,}"
                axes.hist(data, bins=bins, weights=np.full(data.size, 1 / data.size),
                          histtype="step", lw=1.8, ls=style, color=colour, label=label)
    log_axis(axes, "x")
    legend_right(axes)
    axes.set_xlabel("latency (ms, log scale)")
    axes.set_ylabel("share of requests in bin")
    return figure


CHARTS: dict[str, Callable[[Run], Figure]] = {
    "latency": latency_chart,
    "requests": requests_chart,
    "hit_ratio": hit_ratio_chart,
    "origins": origins_chart,
    "errors": errors_chart,
    "streams": streams_chart,
    "latency_hist": latency_histogram,
}


def render_all(run: Run, failover_s: dict[int, float | None], out_dir: Path) -> dict[str, Path]:
    """Write every chart as ``out_dir/<name>.png``; returns name -> path, in report order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Callable[[], Figure]] = {name: (lambda f=f: f(run)) for name, f in CHARTS.items()}
    for fault in run.faults:
        figures[f"failover_{fault.id}"] = (
            lambda fault=fault: failover_chart(run, fault, failover_s.get(fault.id)))
    written = {}
    for name, make in figures.items():
        figure = make()
        path = out_dir / f"{name}.png"
        save(figure, path)
        written[name] = path
    return written
