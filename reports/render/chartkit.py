"""What every chart shares: figure size, colours, fault shading, log axes, legends.

Figures are built on the Agg canvas directly, without pyplot: no global figure state,
nothing to close, safe to call from any thread and on machines without a display.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from reports.read.timeline import FaultWindow
from reports.render.chartdata import Steps
from reports.values import NO_RESPONSE

SIZE, DPI = (12, 4.5), 100
FAULT_COLOURS = ("#d62728", "#9467bd", "#8c564b", "#e377c2")
CACHE_COLOURS = {"Hit": "#2ca02c", "RefreshHit": "#98df8a", "Miss": "#1f77b4",
                 "Error": "#d62728", NO_RESPONSE: "#7f7f7f"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22")


def origin_colours(names: list[str]) -> dict[str, str]:
    """The same colour for an origin on every chart: primary blue, secondary orange."""
    ordered = sorted({n for n in names if n}, key=lambda n: ({"primary": 0, "secondary": 1}.get(n, 2), n))
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}


def new_figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    # Fixed margins (not constrained layout): the time axes of all charts line up in the
    # report, the legend has its column on the right, and layout costs nothing.
    figure.subplots_adjust(left=0.065, right=0.83, top=0.92, bottom=0.11)
    axes = figure.subplots()
    axes.set_title(title, loc="left", fontsize=12)
    axes.grid(True, alpha=0.3)
    return figure, axes


# A 9-point character as a share of the plot area's width (1200 px figure, 0.065..0.83).
LABEL_CHAR_FRACTION = 6.4 / 918
LABEL_ROW_HEIGHT = 0.085  # axes fraction per row of fault labels


def label_rows(faults: list[FaultWindow], x_min: float, x_max: float, prefix: str = "") -> list[int]:
    """A row for each fault's label (``prefix`` + label), so that labels never overlap."""
    span = max(x_max - x_min, 1e-9)
    ends: list[float] = []  # where the last label of each row ends, as a share of the width
    rows = []
    for fault in faults:
        start = (fault.t0 - x_min) / span
        row = next((i for i, end in enumerate(ends) if start >= end), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = start + (len(prefix) + len(fault.label) + 2) * LABEL_CHAR_FRACTION
        if fault.closed:  # the end's label sits on the same row, after t1
            ends[row] = max(ends[row], (fault.t1 - x_min) / span + (len(end_text(fault)) + 2) * LABEL_CHAR_FRACTION)
        rows.append(row)
    return rows


def fault_label(axes: Axes, x: float, row: int, text: str, colour: str) -> None:
    top = blended_transform_factory(axes.transData, axes.transAxes)
    axes.text(x, 0.97 - row * LABEL_ROW_HEIGHT, f" {text} ", transform=top, va="top", ha="left",
              fontsize=9, color=colour, clip_on=True, zorder=5,
              bbox={"facecolor": "white", "edgecolor": colour, "alpha": 0.85, "pad": 2})


def end_text(fault: FaultWindow) -> str:
    """``restart #0``: which step closed the window."""
    return f"{fault.end_kind or 'end'} #{fault.id}"


def end_label(axes: Axes, x: float, row: int, text: str, colour: str) -> None:
    """The label of a fault window's end, right-aligned against its line, on the start's row."""
    top = blended_transform_factory(axes.transData, axes.transAxes)
    axes.text(x, 0.97 - row * LABEL_ROW_HEIGHT, f" {text} ", transform=top, va="top", ha="left",
              fontsize=8, color=colour, clip_on=True, zorder=5, style="italic")


def shade_faults(axes: Axes, faults: list[FaultWindow], x_range: tuple[float, float]) -> None:
    """Shade each fault window and label it at the top, with room made above the data."""
    rows = label_rows(faults, *x_range)
    headroom(axes, max(rows, default=0) + 1)
    for index, (fault, row) in enumerate(zip(faults, rows)):
        colour = FAULT_COLOURS[index % len(FAULT_COLOURS)]
        # Behind the data, so the shading never hides a series.
        axes.axvspan(fault.t0, fault.t1, color=colour, alpha=0.12, lw=0, zorder=0)
        axes.axvline(fault.t0, color=colour, lw=1, ls="--", zorder=0.5)
        fault_label(axes, fault.t0, row, fault.label, colour)
        if fault.closed:  # the end is an event too: say which step closed the window
            axes.axvline(fault.t1, color=colour, lw=1, ls=":", zorder=0.5)
            end_label(axes, fault.t1, row, end_text(fault), colour)


def log_axis(axes: Axes, axis: str = "y") -> None:
    """A log axis labelled 1, 2, 5, 10, 20... in plain numbers."""
    getattr(axes, f"set_{axis}scale")("log")
    ticks = axes.yaxis if axis == "y" else axes.xaxis
    ticks.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ticks.set_major_formatter(FormatStrFormatter("%g"))
    ticks.set_minor_formatter(NullFormatter())


def legend_right(axes: Axes) -> None:
    """Outside the plot area, on the right: a legend never covers data."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=9, frameon=False)


def headroom(axes: Axes, rows: int = 1) -> None:
    """Room above the data for ``rows`` rows of fault labels."""
    bottom, top = axes.get_ylim()
    if axes.get_yscale() == "log":
        axes.set_ylim(bottom, top * 3 ** rows)
    else:
        axes.set_ylim(bottom, top + (top - bottom) * 0.12 * rows)


def time_axis(axes: Axes, faults: list[FaultWindow], duration_s: float, ylabel: str) -> None:
    """Label a time axis in seconds since load start, with the fault windows shaded."""
    shade_faults(axes, faults, (0.0, max(duration_s, 1.0)))
    axes.set_xlabel("time since load start (s)")
    axes.set_ylabel(ylabel)
    axes.set_xlim(0, max(duration_s, 1.0))


def stacked(axes: Axes, steps: Steps, colours: dict[str, str]) -> None:
    """Stacked steps, one band per column, each bin drawn from its start to the next's."""
    if steps.empty:
        return
    bottom = np.zeros(len(steps.x))
    for index, (column, own) in enumerate(steps.columns.items()):
        values = np.append(np.where(np.isnan(own), 0.0, own), 0.0)
        values[-1] = values[-2] if len(values) > 1 else 0.0
        colour = colours.get(column, PALETTE[index % len(PALETTE)])
        axes.fill_between(steps.x, bottom, bottom + values, step="post", color=colour,
                          label=column, lw=0)
        bottom = bottom + values
    axes.set_ylim(bottom=0)
    legend_right(axes)


def date_axis(axes: Axes, times: list[datetime], nonnegative: bool = True) -> None:
    """A calendar time axis over ``times`` that reads whole dates and times ("12-03 02:17"),
    at most 8 ticks, at least ten minutes wide; and a value axis that never goes below zero
    for a quantity that cannot."""
    low, high = min(times), max(times)
    pad = max((high - low) * 0.05, timedelta(minutes=5))
    axes.set_xlim(low - pad, high + pad)  # type: ignore[arg-type]
    locator = AutoDateLocator(maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(DateFormatter("%m-%d\n%H:%M", tz=timezone.utc))
    axes.figure.subplots_adjust(bottom=0.17)  # two-line tick labels and the axis label below
    if nonnegative:
        bottom, top = axes.get_ylim()
        axes.set_ylim(0.0, top + (top - max(bottom, 0.0)) * 0.1)


def finish_date_chart(axes: Axes, times: list[datetime], xlabel: str, unit: str) -> None:
    """Close a chart of values over calendar time: the date axis (from zero) and the legend
    when anything was drawn, else a "no data" note; then the axis labels."""
    if times:
        date_axis(axes, times)
        legend_right(axes)
    else:
        no_data(axes, "values of this metric")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(unit)


def no_data(axes: Axes, what: str) -> None:
    axes.text(0.5, 0.5, f"no {what} in this run", transform=axes.transAxes,
              ha="center", va="center", color="#777777")


def per_second(axes: Axes, x: np.ndarray, values: np.ndarray, **style: object) -> None:
    """A binned series drawn as steps, each bin from its start (``x``) to the next one's."""
    if not len(values):
        return
    y = np.append(values, values[-1])
    axes.step(x, y, where="post", **style)  # type: ignore[arg-type]


def scatter_outcomes(axes: Axes, t: np.ndarray, latency_ms: np.ndarray, ok: np.ndarray, name: str,
                     colour: str, **style: object) -> bool:
    """Latency against send time, one point per request: ok ones as circles, failed ones as
    crosses, labelled "NAME: ok" / "NAME: error". True if any drawn."""
    drawn = False
    for outcome, marker in ((1, "o"), (0, "x")):
        part = ok == outcome
        if part.any():
            drawn = True
            axes.scatter(t[part], np.clip(latency_ms[part], 0.01, None), marker=marker, color=colour,
                         label=f"{name}: {'ok' if outcome else 'error'}", **style)  # type: ignore[arg-type]
    return drawn


def save(figure: Figure, path: Path | IO[bytes]) -> None:
    """Write ``figure`` as a PNG; light compression: a third faster, a quarter larger."""
    figure.savefig(path, dpi=DPI, pil_kwargs={"compress_level": 3})
