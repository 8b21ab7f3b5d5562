"""Run-wide metrics: pure functions of the request DataFrame, returning JSON-ready values.

Every number is computed from the raw rows (never from binned histograms). A value
that cannot be computed (no rows, no misses...) is ``None``, never NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from contracts.requests_csv import HIT_WORDS
from reports.read.load import FaultWindow
from reports.values import number

PERCENTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}
HIT_RESULTS = HIT_WORDS
_SLICED = ("t", "latency_ms", "ok", "x_cache", "origin", "user")  # what totals() and the splits read


def latency_stats(latency_ms: pd.Series | np.ndarray) -> dict[str, float | None]:
    """p50/p90/p95/p99/max in milliseconds (linear interpolation between rows)."""
    values = np.asarray(latency_ms, dtype="float64")
    values = values[~np.isnan(values)]
    if values.size == 0:
        return {**{name: None for name in PERCENTILES}, "max": None}
    points = np.percentile(values, list(PERCENTILES.values()))
    stats = {name: number(p, 3) for name, p in zip(PERCENTILES, points)}
    stats["max"] = number(values.max(), 3)
    return stats


def errors_mask(frame: pd.DataFrame) -> pd.Series:
    """Rows the viewer saw as failed (``ok == 0``)."""
    return frame["ok"] == 0


def hit_ratio(frame: pd.DataFrame) -> float | None:
    """(Hit + RefreshHit) / (Hit + RefreshHit + Miss); errors and others apart."""
    counts = frame["x_cache"].value_counts()
    hits = sum(int(counts.get(name, 0)) for name in HIT_RESULTS)
    misses = int(counts.get("Miss", 0))
    return number(hits / (hits + misses)) if hits + misses else None


def totals(frame: pd.DataFrame, rows: np.ndarray | None = None) -> dict[str, Any]:
    """Requests, errors, error ratio, hit ratio and latency of a slice of rows (``rows``: a
    boolean mask over ``frame``, so a million-row slice is never copied whole)."""
    ok = frame["ok"].to_numpy()
    x_cache = frame["x_cache"]
    latency = frame["latency_ms"].to_numpy(dtype="float64")
    if rows is not None:
        ok, x_cache, latency = ok[rows], x_cache[rows], latency[rows]
    requests = len(ok)
    errors = int((ok == 0).sum())
    return {
        "requests": requests,
        "errors": errors,
        "error_ratio": number(errors / requests) if requests else None,
        "hit_ratio": hit_ratio(x_cache.to_frame()),
        "latency_ms": latency_stats(latency),
    }


def latency_by_cache(frame: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Latency of successful hits (Hit, RefreshHit) and successful misses, apart."""
    ok = frame["ok"] == 1
    is_hit = frame["x_cache"].isin(HIT_RESULTS)
    return {
        "hit": latency_stats(frame.loc[ok & is_hit, "latency_ms"]),
        "miss": latency_stats(frame.loc[ok & (frame["x_cache"] == "Miss"), "latency_ms"]),
    }


def by_origin(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per ``X-Origin-Id``: every response naming it (``requests``, ``share`` of those that
    name one, latency), and apart the successful misses it served (``misses``,
    ``miss_share`` of all successful misses): a hit names the origin that filled the
    cache entry long ago, so only misses say which origin is serving *now*."""
    # On arrays, one origin at a time: grouping a million-row frame copied it per origin.
    codes, origins = pd.factorize(frame["origin"])
    named = np.isin(codes, [i for i, origin in enumerate(origins) if origin != ""])
    total = int(named.sum())
    is_miss = ((frame["x_cache"] == "Miss") & (frame["ok"] == 1)).to_numpy(dtype=bool) & named
    miss_total = int(is_miss.sum())
    latency = frame["latency_ms"].to_numpy(dtype="float64")
    result: dict[str, dict[str, Any]] = {}
    for index, origin in enumerate(origins):
        rows = codes == index
        count = int(rows.sum())
        if origin == "" or not count:
            continue
        misses = int((rows & is_miss).sum())
        result[str(origin)] = {
            "requests": count,
            "share": number(count / total) if total else None,
            "misses": misses,
            "miss_share": number(misses / miss_total) if miss_total else None,
            "latency_ms": latency_stats(latency[rows]),
        }
    return dict(sorted(result.items(), key=lambda item: (-item[1]["requests"], item[0])))


def phase_bounds(faults: list[FaultWindow], duration_s: float) -> list[tuple[str, float, float]]:
    """(name, start, end) for before the first fault, during each, and after each.

    The first phase starts at -inf and the last ends at +inf so that every row (a
    request sent just before load-start, one still in flight at the end) lands in one.
    """
    bounds: list[tuple[str, float, float]] = []
    cursor = -math.inf
    for index, fault in enumerate(faults):
        name = "before" if index == 0 else f"after #{faults[index - 1].id}"
        if fault.t0 > cursor:
            bounds.append((name, cursor, fault.t0))
        bounds.append((f"during #{fault.id}", max(fault.t0, cursor), fault.t1))
        cursor = max(cursor, fault.t1)
    last = "whole run" if not faults else f"after #{faults[-1].id}"
    bounds.append((last, cursor, math.inf))
    return bounds


def phases(frame: pd.DataFrame, faults: list[FaultWindow], duration_s: float) -> list[dict[str, Any]]:
    """:func:`totals`, hit/miss latency and origins for each phase of :func:`phase_bounds`.

    A request belongs to the phase in which it was sent (``t``).
    """
    rows = []
    narrow = frame[list(_SLICED)]  # slices copy every column: only the ones used here
    for name, start, end in phase_bounds(faults, duration_s):
        in_phase = narrow[(narrow["t"] >= start) & (narrow["t"] < end)]
        shown_start = 0.0 if start == -math.inf else start
        shown_end = duration_s if end == math.inf else end
        rows.append({"name": name, "t_start": number(shown_start, 3),
                     "t_end": number(shown_end, 3), **totals(in_phase),
                     "latency_ms_by_cache": latency_by_cache(in_phase),
                     "by_origin": by_origin(in_phase),
                     "streams": _stream_latency(in_phase)})
    return rows


def _stream_latency(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Requests, errors and latency of the probe and of the viewers, apart."""
    is_probe = rows["user"] == "Probe"
    return {name: {"requests": len(part), "errors": int(errors_mask(part).sum()),
                   "latency_ms": latency_stats(part["latency_ms"])}
            for name, part in (("probe", rows[is_probe]), ("viewers", rows[~is_probe]))}


def probe_interval_s(frame: pd.DataFrame) -> float | None:
    """The probe's resolution: the median gap between successive probe sends."""
    sends = np.sort(frame.loc[frame["user"] == "Probe", "t"].to_numpy(dtype="float64"))
    if sends.size < 2:
        return None
    return number(np.median(np.diff(sends)), 4)


def streams(frame: pd.DataFrame) -> tuple[dict[str, Any], dict[str, Any]]:
    """The probe stream (open model) and the viewers (closed model), stated apart.

    Viewers wait for each answer before sending the next request, so a slow period
    produces fewer viewer samples (coordinated omission); the probe keeps its rate.
    """
    is_probe = (frame["user"] == "Probe").to_numpy(dtype=bool)
    return ({**totals(frame, is_probe), "interval_s": probe_interval_s(frame)}, totals(frame, ~is_probe))


def overview(frame: pd.DataFrame, duration_s: float) -> dict[str, Any]:
    """The run-wide numbers at the top of summary.json."""
    base = totals(frame)
    narrow = frame[list(_SLICED)]  # slices copy every column: only the ones used here
    return {
        "duration_s": number(duration_s, 3),
        "requests": base["requests"],
        "errors": base["errors"],
        "error_ratio": base["error_ratio"],
        "requests_per_s": number(base["requests"] / duration_s, 3) if duration_s > 0 else None,
        "hit_ratio": base["hit_ratio"],
        "latency_ms": base["latency_ms"],
        "latency_ms_by_cache": latency_by_cache(narrow),
        "by_origin": by_origin(narrow),
        "errors_by_kind": errors_by_kind(frame),
    }


def errors_by_kind(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Failed requests by what went wrong (the error's class: ``LocustBadStatusCode``,
    ``WrongContent``, ``ConnectionRefusedError``, ...) with the statuses they came with: a
    ``WrongContent`` at status 200 is an answer that looked fine and was not."""
    failed = frame[errors_mask(frame)]
    out: dict[str, dict[str, Any]] = {}
    if failed.empty:
        return out
    kinds = failed["error"].astype(str).str.partition(":")[0].str.strip().replace("", "unknown")
    for (kind, status), n in failed.groupby([kinds, failed["status"]]).size().items():
        entry = out.setdefault(str(kind), {"errors": 0, "by_status": {}})
        entry["errors"] += int(n)
        entry["by_status"][str(status)] = int(n)
    return dict(sorted(out.items(), key=lambda item: -item[1]["errors"]))
