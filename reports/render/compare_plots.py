"""Overlaid charts of two runs: A solid, B dashed; each run's fault windows shaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports.metrics import timeseries
from reports.read.load import Run
from reports.render.chartkit import (
    fault_label,
    headroom,
    label_rows,
    legend_right,
    log_axis,
    new_figure,
    no_data,
    origin_colours,
    per_second,
    save,
)
from reports.render.plots import cuts

RUN_STYLES = (("A", "-", "#1f77b4", "#d62728"), ("B", "--", "#ff7f0e", "#9467bd"))


def shade_both(axes: Axes, a: Run, b: Run) -> None:
    """Each run's fault windows, labelled ``A #0 ...`` and ``B #0 ...``: A's rows above B's."""
    x_range = (0.0, max(a.duration_s, b.duration_s, 1.0))
    rows = [label_rows(run.faults, *x_range, prefix=f"{name} ") for name, run in (("A", a), ("B", b))]
    rows_a = max(rows[0], default=-1) + 1
    headroom(axes, max(rows_a + max(rows[1], default=-1) + 1, 1))
    for (name, _, _, colour), run, own, offset in zip(RUN_STYLES, (a, b), rows, (0, rows_a)):
        for fault, row in zip(run.faults, own):
            axes.axvspan(fault.t0, fault.t1, color=colour, alpha=0.08, lw=0, zorder=0)
            axes.axvline(fault.t0, color=colour, lw=1, ls="--", zorder=0.5)
            fault_label(axes, fault.t0, offset + row, f"{name} {fault.label}", colour)


def _finish(axes: Axes, a: Run, b: Run, ylabel: str, drawn: bool) -> None:
    if drawn:
        legend_right(axes)
    else:
        no_data(axes, "data")
    shade_both(axes, a, b)
    axes.set_xlabel("time since load start (s)")
    axes.set_ylabel(ylabel)
    axes.set_xlim(0, max(a.duration_s, b.duration_s, 1.0))


def _series_chart(a: Run, b: Run, title: str, ylabel: str,
                  series_of: Callable[[pd.DataFrame], pd.Series], log: bool = False) -> Figure:
    figure, axes = new_figure(title)
    drawn = False
    for run, (name, style, colour, _) in zip((a, b), RUN_STYLES):
        series: pd.Series = series_of(run.requests)
        if series.dropna().empty:
            continue
        drawn = True
        per_second(axes, timeseries.step_edges(series.index), series.to_numpy(dtype="float64"),
                   ls=style, color=colour, lw=1.6,
                  label=name)  # the page says which run is A and which B
    if log and drawn:
        log_axis(axes)
    elif drawn:
        axes.set_ylim(bottom=0)  # counts and ratios from zero: no exaggerated wiggles
    _finish(axes, a, b, ylabel, drawn)
    return figure


def both_cuts(a: Run, b: Run) -> list[float]:
    """Bins cut at either run's fault edges: neither run's switch is drawn before its cause."""
    return sorted(set(cuts(a)) | set(cuts(b)))


def _origin_share(a: Run, b: Run) -> Figure:
    figure, axes = new_figure("Share of cache misses fetched from each origin (A solid, B dashed)")
    shares = [timeseries.origin_share(run.requests, both_cuts(a, b)) for run in (a, b)]
    colours = origin_colours([str(c) for table in shares for c in table.columns])
    drawn = False
    for table, (name, style, _, _) in zip(shares, RUN_STYLES):
        for origin, colour in colours.items():
            if origin in table.columns:
                drawn = True
                per_second(axes, timeseries.step_edges(table.index), table[origin].to_numpy(dtype="float64"),
                           ls=style, color=colour,
                          lw=1.6, label=f"{name} {origin}")
    axes.set_ylim(0, 1.0)
    _finish(axes, a, b, "share of misses", drawn)
    return figure


RUN_MARKERS = {"A": "o", "B": "^"}  # the close-up: shape says the run, colour the origin


def _failover_overlay(a: Run, b: Run, fault_id: int) -> Figure:
    """Probe latency around fault ``fault_id`` of each run, aligned on that run's t0: each
    request coloured by the origin that answered it (the failover itself), shaped by run."""
    figure, axes = new_figure(f"Failover close-up, fault #{fault_id}: probe requests aligned on each run's t0")
    nears = []
    for run in (a, b):
        fault = next(f for f in run.faults if f.id == fault_id)
        frame = run.requests
        nears.append((frame[(frame["t"] >= fault.t0 - 3) & (frame["t"] <= fault.t0 + 5)
                            & (frame["user"] == "Probe")], fault.t0))
    names = sorted({str(o) for near, _ in nears for o in near["origin"].unique() if str(o)})
    colours = origin_colours(names)
    drawn = False
    for (near, t0), (name, _, _, _) in zip(nears, RUN_STYLES):
        marker = RUN_MARKERS[name]
        ok = near[near["ok"] == 1]
        for origin, colour in colours.items():
            part = ok[ok["origin"].astype(str) == origin]
            if not part.empty:
                drawn = True
                axes.scatter(part["t"] - t0, part["latency_ms"].clip(lower=0.01), marker=marker, s=24,
                             color=colour, alpha=0.75, label=f"{name}: {origin}")
        failed = near[near["ok"] != 1]
        if not failed.empty:
            drawn = True
            axes.scatter(failed["t"] - t0, failed["latency_ms"].clip(lower=0.01), marker="x", s=36,
                         color="#cf222e" if name == "A" else "#7a0019", label=f"{name}: error")
    if drawn:
        log_axis(axes)
        legend_right(axes)
    else:
        no_data(axes, "probe requests near this fault")
    axes.axvline(0, color="#d62728", lw=1, ls="--")
    axes.set_xlim(-3, 5)
    axes.set_xlabel("send time relative to the fault's t0 (s); A circles, B triangles")
    axes.set_ylabel("latency (ms, log scale)")
    return figure


def render_all(a: Run, b: Run, out_dir: Path) -> dict[str, Path]:
    """Write the overlaid charts as ``out_dir/<name>.png``; returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "latency_p95": lambda: _series_chart(a, b, "Latency p95 per second (A solid, B dashed)",
                                             "latency p95 (ms, log scale)",
                                             lambda f: timeseries.latency_percentiles(f)["p95"], log=True),
        "requests": lambda: _series_chart(a, b, "Requests per second (A solid, B dashed)", "requests / s",
                                          lambda f: timeseries.counts_by(f, "x_cache").sum(axis=1)),
        "hit_ratio": lambda: _series_chart(a, b, "Cache hit ratio per second (A solid, B dashed)",
                                           "hit ratio", timeseries.hit_ratio),
        "errors": lambda: _series_chart(a, b, "Errors per second (A solid, B dashed)", "errors / s",
                                        lambda f: timeseries.errors_by_status(f).sum(axis=1)),
        "origins": lambda: _origin_share(a, b),
    }
    shared = sorted({f.id for f in a.faults} & {f.id for f in b.faults})
    for fault_id in shared:
        figures[f"failover_{fault_id}"] = lambda i=fault_id: _failover_overlay(a, b, i)
    written = {}
    for name, make in figures.items():
        path = out_dir / f"{name}.png"
        save(make(), path)
        written[name] = path
    return written
