"""The charts of a run, as data: one :class:`~reports.render.chartdata.Job` per chart, made
with pandas from the run's rows; :mod:`reports.render.draw` draws them (PNGs of about
1200x450 pixels).

Every time axis shades the fault windows and labels them with target and kind, so a
reader sees cause and effect on the same chart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from contracts.requests_csv import HIT_WORDS
from reports.metrics import timeseries
from reports.read.load import FaultWindow, Run
from reports.render.chartdata import Job, Steps

# The charts of every report, in report order (the failover close-ups follow, one a fault).
NAMES = ("latency", "requests", "hit_ratio", "origins", "errors", "streams", "latency_hist")


def cuts(run: Run) -> list[float]:
    """Where bins are cut besides whole seconds: every fault window's edges."""
    return sorted({edge for f in run.faults for edge in (f.t0, f.t1)})


def steps(table: pd.DataFrame | pd.Series) -> Steps:
    """A binned table (or one series) as step edges and one array a column."""
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    x = timeseries.step_edges(frame.index)
    return Steps(x, {str(c): frame[c].to_numpy(dtype="float64") for c in frame.columns})


def _timed(run: Run, name: str, data: dict[str, Any]) -> Job:
    return Job(name, name, data, run.faults, run.duration_s)


def latency(run: Run) -> Job:
    table = timeseries.latency_percentiles(run.requests, cuts(run))
    return _timed(run, "latency", {"steps": None if table.dropna(how="all").empty else steps(table)})


def requests(run: Run) -> Job:
    table = timeseries.per_second_rate(timeseries.counts_by(run.requests, "x_cache", cuts=cuts(run)))
    return _timed(run, "requests", {"steps": steps(table)})


def hit_ratio(run: Run) -> Job:
    series = timeseries.hit_ratio(run.requests, cuts(run))
    return _timed(run, "hit_ratio", {"steps": None if series.dropna().empty else steps(series)})


def origins(run: Run) -> Job:
    return _timed(run, "origins", {"steps": steps(timeseries.origin_share(run.requests, cuts(run)))})


def errors(run: Run) -> Job:
    table = timeseries.per_second_rate(timeseries.errors_by_status(run.requests, cuts(run)))
    return _timed(run, "errors", {"steps": steps(table)})


def streams(run: Run) -> Job:
    """Probe (open model) beside viewers (closed model): what coordinated omission hides."""
    frame = run.requests
    is_probe = (frame["user"] == "Probe").to_numpy()
    t, latency = frame["t"].to_numpy(), frame["latency_ms"].to_numpy()
    data: dict[str, Any] = {}
    for label, rows in (("probe", is_probe), ("viewers", ~is_probe)):
        # The two columns used, of the stream's rows only: slicing the frame copies them all.
        part = pd.DataFrame({"t": t[rows], "latency_ms": latency[rows]}, copy=False)
        table = timeseries.latency_percentiles(part, cuts(run))
        data[label] = None if table.dropna(how="all").empty else steps(table[["p95", "p50"]])
    return _timed(run, "streams", data)


def latency_histogram(run: Run) -> Job:
    """Hits vs misses, before the first fault vs during the faults (successful requests): the
    share of each group in each bin, counted here (a million latencies never leave)."""
    frame = run.requests
    ok = (frame["ok"] == 1).to_numpy()
    latency = frame["latency_ms"].to_numpy(dtype="float64")
    values = latency[ok]
    values = values[values > 0]
    if values.size == 0:
        return _timed(run, "latency_hist", {"groups": []})
    t = frame["t"].to_numpy(dtype="float64")
    during = np.zeros(len(frame), dtype=bool)
    for fault in run.faults:
        during |= (t >= fault.t0) & (t < fault.t1)
    before = t < run.faults[0].t0 if run.faults else np.ones(len(frame), bool)
    periods = (("before", before, "-"), ("during", during, "--")) if run.faults else (("", before, "-"),)
    x_cache = frame["x_cache"]
    is_hit = x_cache.isin(HIT_WORDS).to_numpy() & ok
    is_miss = (x_cache == "Miss").to_numpy() & ok
    sizes = [int((c & p).sum()) for c in (is_hit, is_miss) for _, p, _ in periods]
    smallest = min((n for n in sizes if n), default=1)
    # Enough bins to show shape, few enough that the smallest group is not all noise.
    count = int(min(80, max(12, 2 * np.sqrt(smallest))))
    # Bin edges must increase: when every latency is the same (a short or interrupted run),
    # the range is widened to a factor of two around it.
    low = max(float(values.min()), 0.01)
    bins = np.geomspace(low, max(float(values.max()), low * 2), count)
    groups = []
    for cache, mask in (("hit", is_hit), ("miss", is_miss)):
        for period, in_period, style in periods:
            data = latency[mask & in_period]
            if data.size:
                counts, _ = np.histogram(data, bins=bins)
                groups.append({"cache": cache, "label": f"{cache} {period}".strip() + f"\nn={data.size:,}",
                               "style": style, "share": counts / data.size})
    return _timed(run, "latency_hist", {"bins": bins, "groups": groups})


def failover(run: Run, fault: FaultWindow, failover_s: float | None) -> Job:
    """Each probe request around ``t0``: send time vs latency, by origin and outcome."""
    frame = run.requests
    near = frame[(frame["t"] >= fault.t0 - 3) & (frame["t"] <= fault.t0 + 5)]
    probes = near[near["user"] == "Probe"]
    all_requests = probes.empty and not near.empty
    if all_requests:
        probes = near  # no probe stream: show every request instead
    names = probes["origin"].astype("str")
    points = {}
    for origin in sorted(set(names)):
        rows = probes[names == origin]
        points[origin] = {"t": rows["t"].to_numpy(dtype="float64"),
                          "latency_ms": rows["latency_ms"].to_numpy(dtype="float64"),
                          "ok": rows["ok"].to_numpy()}
    return Job(f"failover_{fault.id}", "failover", {
        "fault": fault, "failover_s": failover_s, "all_requests": all_requests, "points": points})


MAKERS = {"latency": latency, "requests": requests, "hit_ratio": hit_ratio, "origins": origins,
          "errors": errors, "streams": streams, "latency_hist": latency_histogram}


def jobs(run: Run, failover_s: dict[int, float | None]) -> Iterator[Job]:
    """Every chart of the run, each made when asked for (so that it can be drawing while the
    next is made), then the failover close-ups with the failover times found (or none)."""
    for name in NAMES:
        yield MAKERS[name](run)
    for fault in run.faults:
        yield failover(run, fault, failover_s.get(fault.id))

