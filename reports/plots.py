"""Charts of a run (matplotlib, Agg backend): PNGs of about 1200x450 pixels.

Figures are built on the Agg canvas directly, without pyplot: no global figure state,
nothing to close, safe to call from any thread and on machines without a display.
Every time axis shades the fault windows and labels them with target and kind, so a
reader sees cause and effect on the same chart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from reports import timeseries
from reports.load import FaultWindow, Run

SIZE, DPI = (12, 4.5), 100
FAULT_COLOURS = ("#d62728", "#9467bd", "#8c564b", "#e377c2")
CACHE_COLOURS = {"Hit": "#2ca02c", "RefreshHit": "#98df8a", "Miss": "#1f77b4",
                 "Error": "#d62728", timeseries.NO_RESPONSE: "#7f7f7f"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22")


def origin_colours(names: list[str]) -> dict[str, str]:
    """The same colour for an origin on every chart: primary blue, secondary orange."""
    ordered = sorted({n for n in names if n}, key=lambda n: ({"primary": 0, "secondary": 1}.get(n, 2), n))
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    # Fixed margins (not constrained layout): the time axes of all charts line up in the
    # report, the legend has its column on the right, and layout costs nothing.
    figure.subplots_adjust(left=0.065, right=0.83, top=0.92, bottom=0.11)
    axes = figure.subplots()
    axes.set_title(title, loc="left", fontsize=12)
    axes.grid(True, alpha=0.3)
    return figure, axes


def shade_faults(axes: Axes, faults: list[FaultWindow]) -> None:
    """Shade each fault window and write its label at the top of the chart."""
    top = blended_transform_factory(axes.transData, axes.transAxes)
    for index, fault in enumerate(faults):
        colour = FAULT_COLOURS[index % len(FAULT_COLOURS)]
        # Behind the data, so the shading never hides a series.
        axes.axvspan(fault.t0, fault.t1, color=colour, alpha=0.12, lw=0, zorder=0)
        axes.axvline(fault.t0, color=colour, lw=1, ls="--", zorder=0.5)
        axes.text(fault.t0, 0.97, f" {fault.label} ", transform=top, va="top", ha="left",
                  fontsize=9, color=colour, clip_on=True, zorder=5,
                  bbox={"facecolor": "white", "edgecolor": colour, "alpha": 0.85, "pad": 2})


def _log_y(axes: Axes, axis: str = "y") -> None:
    """A log axis labelled 1, 2, 5, 10, 20... in plain numbers."""
    getattr(axes, f"set_{axis}scale")("log")
    ticks = axes.yaxis if axis == "y" else axes.xaxis
    ticks.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ticks.set_major_formatter(FormatStrFormatter("%g"))
    ticks.set_minor_formatter(NullFormatter())


def _legend(axes: Axes) -> None:
    """Outside the plot area, on the right: a legend never covers data."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=9, frameon=False)


def _headroom(axes: Axes) -> None:
    """Room above the data for the fault labels."""
    bottom, top = axes.get_ylim()
    if axes.get_yscale() == "log":
        axes.set_ylim(bottom, top * 3)
    else:
        axes.set_ylim(bottom, top + (top - bottom) * 0.12)


def _time_axis(axes: Axes, run: Run, ylabel: str) -> None:
    _headroom(axes)
    shade_faults(axes, run.faults)
    axes.set_xlabel("time since load start (s)")
    axes.set_ylabel(ylabel)
    axes.set_xlim(0, max(run.duration_s, 1.0))


def _stacked(axes: Axes, table: pd.DataFrame, colours: dict[str, str]) -> None:
    """Stacked steps, one band per column, each second drawn as [s, s+1)."""
    if table.empty:
        return
    x = np.append(table.index.to_numpy(dtype="float64"), table.index[-1] + 1.0)
    bottom = np.zeros(len(x))
    for index, column in enumerate(table.columns):
        values = np.append(table[column].fillna(0).to_numpy(dtype="float64"), 0.0)
        values[-1] = values[-2] if len(values) > 1 else 0.0
        colour = colours.get(str(column), PALETTE[index % len(PALETTE)])
        axes.fill_between(x, bottom, bottom + values, step="post", color=colour,
                          label=str(column), lw=0)
        bottom = bottom + values
    axes.set_ylim(bottom=0)
    _legend(axes)


def _no_data(axes: Axes, what: str) -> None:
    axes.text(0.5, 0.5, f"no {what} in this run", transform=axes.transAxes,
              ha="center", va="center", color="#777777")


def latency_chart(run: Run) -> Figure:
    figure, axes = _figure("Latency per second (p50, p95, p99)")
    table = timeseries.latency_percentiles(run.requests)
    if table.dropna(how="all").empty:
        _no_data(axes, "requests")
    else:
        # p99 first and p95 dashed on top: where they coincide both stay visible.
        for column, colour, style in (("p99", "#d62728", "-"), ("p95", "#ff7f0e", "--"),
                                      ("p50", "#1f77b4", "-")):
            axes.step(table.index + 0.5, table[column], where="mid", color=colour, ls=style,
                      lw=1.6, label=column)
        _log_y(axes)
        _legend(axes)
    _time_axis(axes, run, "latency (ms, log scale)")
    return figure


def requests_chart(run: Run) -> Figure:
    figure, axes = _figure("Requests per second by X-Cache result")
    table = timeseries.counts_by(run.requests, "x_cache")
    order = [c for c in CACHE_COLOURS if c in table.columns]
    _stacked(axes, table[order + [c for c in table.columns if c not in order]], CACHE_COLOURS)
    if table.empty:
        _no_data(axes, "requests")
    _time_axis(axes, run, "requests / s")
    return figure


def hit_ratio_chart(run: Run) -> Figure:
    figure, axes = _figure("Cache hit ratio per second: (Hit + RefreshHit) / (Hit + RefreshHit + Miss)")
    series = timeseries.hit_ratio(run.requests)
    if series.dropna().empty:
        _no_data(axes, "hits or misses")
    else:
        axes.step(series.index + 0.5, series, where="mid", color="#2ca02c")
    axes.set_ylim(0, 1.0)
    _time_axis(axes, run, "hit ratio")
    return figure


def origins_chart(run: Run) -> Figure:
    figure, axes = _figure("Share of responses served by each origin (X-Origin-Id)")
    table = timeseries.origin_share(run.requests)
    colours = origin_colours([str(c) for c in table.columns])
    _stacked(axes, table[list(colours)] if colours else table, colours)
    if table.empty or table.columns.empty:
        _no_data(axes, "origin-tagged responses")
    axes.set_ylim(0, 1.0)
    _time_axis(axes, run, "share of responses")
    return figure


def errors_chart(run: Run) -> Figure:
    figure, axes = _figure("Errors per second by status (ok = 0)")
    table = timeseries.errors_by_status(run.requests)
    _stacked(axes, table, {"no response": "#7f7f7f"})
    if table.empty or table.columns.empty:
        _no_data(axes, "errors")
    _time_axis(axes, run, "errors / s")
    return figure


def failover_chart(run: Run, fault: FaultWindow, failover_s: float | None) -> Figure:
    """Each probe request around ``t0``: send time vs latency, by origin and outcome."""
    figure, axes = _figure(f"Failover close-up, fault {fault.label}: probe requests, t0-3 s to t0+5 s")
    frame = run.requests
    near = frame[(frame["t"] >= fault.t0 - 3) & (frame["t"] <= fault.t0 + 5)]
    probes = near[near["user"] == "Probe"]
    if probes.empty and not near.empty:
        probes = near  # no probe stream: show every request instead
        axes.set_title(axes.get_title() + " (no probe: all requests)", loc="left", fontsize=12)
    names = probes["origin"].astype("str")
    colours = {**origin_colours(list(set(names))), "": "#7f7f7f"}
    for origin, colour in colours.items():
        rows = probes[names == origin]
        for ok, marker in ((1, "o"), (0, "x")):
            part = rows[rows["ok"] == ok]
            if not part.empty:
                label = f"{origin or 'no origin'}: {'ok' if ok else 'error'}"
                axes.scatter(part["t"], part["latency_ms"].clip(lower=0.01), s=22,
                             marker=marker, color=colour, label=label)
    if probes.empty:
        _no_data(axes, "requests near this fault")
    else:
        _log_y(axes)
        _legend(axes)
    if failover_s is not None:
        axes.axvline(fault.t0 + failover_s, color="#2ca02c", lw=1.5,
                     label=f"failed over\n(t0 + {failover_s:.3f} s)")
        _legend(axes)
    _headroom(axes)
    shade_faults(axes, [fault])
    axes.set_xlim(fault.t0 - 3, fault.t0 + 5)
    axes.set_xlabel("send time since load start (s)")
    axes.set_ylabel("latency (ms, log scale)")
    return figure


def latency_histogram(run: Run) -> Figure:
    figure, axes = _figure("Latency distribution of successful requests: hits (Hit, RefreshHit) vs misses")
    frame = run.requests[run.requests["ok"] == 1]
    groups = {"hit": frame[frame["x_cache"].isin(("Hit", "RefreshHit"))],
              "miss": frame[frame["x_cache"] == "Miss"]}
    values = frame["latency_ms"].to_numpy(dtype="float64")
    values = values[values > 0]
    if values.size == 0:
        _no_data(axes, "successful requests")
    else:
        bins = np.geomspace(max(values.min(), 0.01), max(values.max(), 0.02), 80)
        for (label, rows), colour in zip(groups.items(), ("#2ca02c", "#1f77b4")):
            data = rows["latency_ms"].to_numpy(dtype="float64")
            if data.size:
                axes.hist(data, bins=bins, weights=np.full(data.size, 1 / data.size),
                          histtype="stepfilled", alpha=0.45, color=colour,
                          label=f"{label}\nn={data.size:,}")
        _log_y(axes, "x")
        _legend(axes)
    axes.set_xlabel("latency (ms, log scale)")
    axes.set_ylabel("share of requests in bin")
    return figure


CHARTS: dict[str, Callable[[Run], Figure]] = {
    "latency": latency_chart,
    "requests": requests_chart,
    "hit_ratio": hit_ratio_chart,
    "origins": origins_chart,
    "errors": errors_chart,
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
        figure.savefig(path, dpi=DPI)
        written[name] = path
    return written
