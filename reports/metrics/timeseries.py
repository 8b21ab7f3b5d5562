"""Per-second series for the charts: pure, vectorised groupbys on the bin of ``t``.

Each function returns a DataFrame indexed by the start of each bin (seconds since load
start; every bin from the first to the last request, gaps filled), one column per series.
Bins are whole seconds, cut at every time in ``cuts`` (the fault windows' edges): a second
in which a fault starts at 13.22 s becomes [13, 13.22) and [13.22, 14), so no bin mixes
requests sent before a fault with requests sent after it, and no chart can draw an effect
before its cause. A bin ends where the next one starts; the last one at the next whole
second (:func:`bin_ends`). Counts are per bin: :func:`per_second_rate` divides by the widths.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from contracts.requests_csv import HIT_WORDS
from reports.values import NO_RESPONSE

Cuts = Sequence[float]


def edges(frame: pd.DataFrame, cuts: Cuts = ()) -> np.ndarray:
    """Every bin edge: whole seconds around the requests, and each cut between them."""
    if frame.empty:
        return np.array([], dtype="float64")
    low, high = float(np.floor(frame["t"].min())), float(np.floor(frame["t"].max())) + 1.0
    inside = [float(c) for c in cuts if low < c < high]
    return np.unique(np.concatenate([np.arange(low, high + 1.0), inside]))


def seconds(frame: pd.DataFrame, cuts: Cuts = ()) -> pd.Series:
    """The start of the bin in which each request was sent."""
    if not cuts:
        return np.floor(frame["t"]).astype("float64")
    bounds = edges(frame, cuts)
    return pd.Series(bounds[np.searchsorted(bounds, frame["t"].to_numpy(), side="right") - 1],
                     index=frame.index)


def _full_index(frame: pd.DataFrame, cuts: Cuts = ()) -> pd.Index:
    return pd.Index(edges(frame, cuts)[:-1], dtype="float64", name="t")


def bin_ends(index: pd.Index) -> np.ndarray:
    """Where each bin of a series ends: the next bin's start, the last at the next second."""
    starts: np.ndarray = index.to_numpy(dtype="float64")
    if not len(starts):
        return starts
    ends: np.ndarray = np.append(starts[1:], np.floor(starts[-1]) + 1.0)
    return ends


def step_edges(index: pd.Index) -> np.ndarray:
    """Step edges of a binned series: each bin's start, then where the last one ends."""
    if not len(index):
        return np.array([], dtype="float64")
    return np.append(index.to_numpy(dtype="float64"), bin_ends(index)[-1])


def per_second_rate(table: pd.DataFrame) -> pd.DataFrame:
    """Counts per bin as counts per second (a bin cut at a fault edge is shorter than 1 s)."""
    widths = bin_ends(table.index) - table.index.to_numpy(dtype="float64")
    return table.div(widths, axis=0)


def latency_percentiles(frame: pd.DataFrame, cuts: Cuts = ()) -> pd.DataFrame:
    """p50, p95, p99 of latency (ms) per bin; NaN in bins without requests."""
    grouped = frame["latency_ms"].groupby(seconds(frame, cuts))
    table = pd.DataFrame({
        "p50": grouped.quantile(0.50), "p95": grouped.quantile(0.95), "p99": grouped.quantile(0.99),
    })
    return table.reindex(_full_index(frame, cuts))


def counts_by(frame: pd.DataFrame, column: str, mask: pd.Series | None = None,
              cuts: Cuts = ()) -> pd.DataFrame:
    """Requests per bin, one column per value of ``column`` (empty -> ``none``)."""
    rows = frame if mask is None else frame[mask]
    if rows.empty:
        table = pd.DataFrame(index=_full_index(frame, cuts))
    else:
        # Bins of all rows, then the masked ones: every bin of the run, gaps filled.
        bins = seconds(frame, cuts) if mask is None else seconds(frame, cuts)[mask]
        # groupby on the (categorical) column itself: no per-row string conversion.
        table = (rows[column].groupby([bins, rows[column]], observed=True).size()
                 .unstack(fill_value=0))
        table = table.reindex(_full_index(frame, cuts), fill_value=0)
        table.columns = [NO_RESPONSE if str(c) == "" else str(c) for c in table.columns]
    table.index.name = "t"
    return table.fillna(0).astype("int64")


def hit_ratio(frame: pd.DataFrame, cuts: Cuts = ()) -> pd.Series:
    """(Hit + RefreshHit) / (Hit + RefreshHit + Miss) per bin; NaN without such rows."""
    counts = counts_by(frame, "x_cache", cuts=cuts)
    hits = sum(counts[c] for c in HIT_WORDS if c in counts)
    misses = counts["Miss"] if "Miss" in counts else 0
    total = hits + misses
    if isinstance(total, int):
        return pd.Series(np.nan, index=counts.index)
    return (hits / total.where(total > 0)).astype("float64")


def origin_share(frame: pd.DataFrame, cuts: Cuts = ()) -> pd.DataFrame:
    """Share of each bin's cache misses fetched from each origin.

    Only responses fetched from an origin for that very request (``X-Cache: Miss``) count:
    a hit carries the Id of whichever origin filled the cache earlier, so misses are what
    show the origin group switching.
    """
    mask = (frame["origin"] != "") & (frame["x_cache"] == "Miss")
    counts = counts_by(frame, "origin", mask, cuts)
    counts = counts.drop(columns=[NO_RESPONSE], errors="ignore")
    total = counts.sum(axis=1)
    return counts.div(total.where(total > 0), axis=0)


def errors_by_status(frame: pd.DataFrame, cuts: Cuts = ()) -> pd.DataFrame:
    """Errors (``ok == 0``) per bin, one column per status (0 -> ``no response``)."""
    table = counts_by(frame, "status", frame["ok"] == 0, cuts)
    return table.rename(columns={"0": "no response"})
