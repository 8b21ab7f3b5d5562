"""Per-fault metrics: how fast misses failed over, what they paid, how long errors lasted.

All times are seconds since load start; ``t`` is when a request was *sent* and
``t + latency`` when it completed. For a fault window ``[t0, t1]`` on origin ``target``:

- ``time_to_failover_s``: ``t0`` to the completion of the first successful miss sent
  in ``[t0, t1]`` that another origin served.
- ``failover_penalty_ms``: median latency of successful misses sent in ``[t0, t1]`` minus
  the median of those sent in the phase before ``t0`` (since the previous fault ended).
- ``error_window_s``: first to last error sent in ``[t0, t1 + grace]`` (0 under 2 errors);
  ``errors``: how many.
- ``time_to_recover_s``: ``t0`` until every following one-second window (aligned on
  ``t0``, up to the next fault or the end of the run) has a success ratio at least the
  steady-state ratio; 0 if none falls short. Windows without requests do not count.
- ``time_to_failback_s``: ``t1`` to the completion of the first successful miss sent at
  or after ``t1`` that the target served again; null if none did.
- ``resolution_s``: the probe interval; failover figures are exact to about one tick.
- ``probe``: failover, failback and error figures from the probe's requests alone.

A fault on the edge's own code (target ``edge``: a CloudFront function) breaks no origin, so
nothing fails over: its failover and failback figures are null, never a number read off
misses that an origin served as usual.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from reports.metrics.overall import probe_interval_s
from reports.read.load import FaultWindow
from reports.values import number


def _successful_misses(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["ok"] == 1) & (frame["x_cache"] == "Miss")]


def _first_completion(rows: pd.DataFrame) -> float | None:
    """Completion time of the earliest-sent row, or None."""
    if rows.empty:
        return None
    first = rows.loc[rows["t"].idxmin()]
    return float(first["t"] + first["latency_ms"] / 1000.0)


def time_to_failover_s(misses: pd.DataFrame, fault: FaultWindow) -> float | None:
    sent = misses[(misses["t"] >= fault.t0) & (misses["t"] <= fault.t1)]
    done = _first_completion(sent[(sent["origin"] != fault.target) & (sent["origin"] != "")])
    return None if done is None else number(done - fault.t0, 4)


def time_to_failback_s(misses: pd.DataFrame, fault: FaultWindow) -> float | None:
    if not fault.closed:
        return None
    sent = misses[(misses["t"] >= fault.t1) & (misses["origin"] == fault.target)]
    done = _first_completion(sent)
    return None if done is None else number(done - fault.t1, 4)


def failover_penalty_ms(misses: pd.DataFrame, fault: FaultWindow, before_start: float) -> float | None:
    during = misses.loc[(misses["t"] >= fault.t0) & (misses["t"] <= fault.t1), "latency_ms"]
    before = misses.loc[(misses["t"] >= before_start) & (misses["t"] < fault.t0), "latency_ms"]
    if during.empty or before.empty:
        return None
    return number(during.median() - before.median(), 3)


def error_window(frame: pd.DataFrame, fault: FaultWindow, grace_s: float) -> tuple[float, int]:
    """(first-to-last error span, error count) for errors sent in ``[t0, t1 + grace]``."""
    sent = frame["t"]
    errors = frame.loc[(frame["ok"] == 0) & (sent >= fault.t0) & (sent <= fault.t1 + grace_s), "t"]
    if len(errors) < 2:
        return 0.0, len(errors)
    return float(number(errors.max() - errors.min(), 4) or 0.0), len(errors)


def time_to_recover_s(frame: pd.DataFrame, fault: FaultWindow, until: float, ratio: float) -> float:
    """Seconds from t0 to the end of the last one-second window below ``ratio``."""
    sent = frame["t"].to_numpy()
    rows = (sent >= fault.t0) & (sent < until)  # a mask: the rows are not copied
    if not rows.any():
        return 0.0
    window = np.floor(sent[rows] - fault.t0)
    success = pd.Series(frame["ok"].to_numpy()[rows] == 1).groupby(window).mean()
    # A tiny epsilon so that 0.99 computed as 98.99999/100 is not a failure.
    short = success.index[success.to_numpy() < ratio - 1e-12]
    return 0.0 if len(short) == 0 else float(short.max() + 1)


EDGE_TARGET = "edge"


def _probe_figures(probe: pd.DataFrame, misses: pd.DataFrame, fault: FaultWindow,
                   grace_s: float) -> dict[str, Any]:
    """The same figures from the probe alone: one request per tick, so exact to one tick."""
    span, errors = error_window(probe, fault, grace_s)
    origin = fault.target != EDGE_TARGET
    return {"time_to_failover_s": time_to_failover_s(misses, fault) if origin else None,
            "error_window_s": span, "errors": errors,
            "time_to_failback_s": time_to_failback_s(misses, fault) if origin else None}


def fault_metrics(frame: pd.DataFrame, faults: list[FaultWindow], duration_s: float,
                  success_ratio: float, grace_s: float) -> list[dict[str, Any]]:
    """One summary row per fault window, in fault_id order."""
    misses = _successful_misses(frame)
    probe = frame[frame["user"] == "Probe"]
    probe_misses = _successful_misses(probe)
    resolution = probe_interval_s(frame)
    rows = []
    for index, fault in enumerate(faults):
        before_start = faults[index - 1].t1 if index else -math.inf
        until = faults[index + 1].t0 if index + 1 < len(faults) else math.inf
        span, errors = error_window(frame, fault, grace_s)
        origin = fault.target != EDGE_TARGET  # a fault on an origin, not on the edge's code
        rows.append({
            "id": fault.id,
            "target": fault.target,
            "kind": fault.kind,
            "detail": fault.detail,
            "t0": number(fault.t0, 3),
            "t1": number(fault.t1, 3),
            "closed": fault.closed,
            "time_to_failover_s": time_to_failover_s(misses, fault) if origin else None,
            "failover_penalty_ms": failover_penalty_ms(misses, fault, before_start),
            "error_window_s": span,
            "errors": errors,
            "time_to_recover_s": number(time_to_recover_s(frame, fault, until, success_ratio), 4),
            "time_to_failback_s": time_to_failback_s(misses, fault) if origin else None,
            "resolution_s": resolution,
            "probe": _probe_figures(probe, probe_misses, fault, grace_s) if len(probe) else None,
        })
    return rows
