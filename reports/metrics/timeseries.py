"""Per-second series for the charts: pure, vectorised counts and percentiles by the bin of ``t``.

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
CHUNK_ROWS = 1 << 20  # rows worked on at a time where a whole column's temporaries would add up


def edges(frame: pd.DataFrame, cuts: Cuts = ()) -> np.ndarray:
    """Every bin edge: whole seconds around the requests, and each cut between them."""
    if frame.empty:
        return np.array([], dtype="float64")
    low, high = float(np.floor(frame["t"].min())), float(np.floor(frame["t"].max())) + 1.0
    inside = [float(c) for c in cuts if low < c < high]
    return np.unique(np.concatenate([np.arange(low, high + 1.0), inside]))


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
    """p50, p95, p99 of latency (ms) per bin, with linear interpolation between rows as every
    percentile of the report; NaN in bins without requests.

    The latencies are put in bin order once (a stable radix sort of the bins' positions while
    there are fewer than 32,768 bins: nine hours), then each bin's slice gives its three
    percentiles: two arrays of the rows' size at most, where grouping made several.
    """
    index = _full_index(frame, cuts)
    table = np.full((len(index), 3), np.nan)
    if len(index):
        latency = frame["latency_ms"].to_numpy(dtype="float64")
        positions = _bin_positions(frame, cuts)
        known = ~np.isnan(latency)
        if not known.all():
            latency, positions = latency[known], positions[known]
        if len(index) < 1 << 15:
            positions = positions.astype(np.int16)
        latency = latency[np.argsort(positions, kind="stable")]
        starts = np.concatenate([[0], np.cumsum(np.bincount(positions, minlength=len(index)))])
        for row in np.flatnonzero(np.diff(starts)):
            table[row] = np.percentile(latency[starts[row]:starts[row + 1]], (50, 95, 99))
    return pd.DataFrame(table, index=index, columns=["p50", "p95", "p99"])


def counts_by(frame: pd.DataFrame, column: str, mask: pd.Series | None = None,
              cuts: Cuts = ()) -> pd.DataFrame:
    """Requests per bin, one column per value of ``column`` that occurs (empty -> ``none``),
    in the column's category order (sorted, for numbers).

    Counted with a ``bincount`` of (bin, value) pairs a chunk of rows at a time: memory of a
    chunk's size, where grouping on two keys made several copies of all the rows.
    """
    index = _full_index(frame, cuts)
    rows = None if mask is None else np.asarray(mask, dtype=bool)
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, labels = values.cat.codes.to_numpy(), list(values.cat.categories)
        code_of = None
    else:  # numbers (statuses): the values of the rows counted, sorted
        plain = values.to_numpy()
        code_of = np.unique(plain if rows is None else plain[rows])
        codes, labels = plain, list(code_of)
    width = max(len(labels), 1)
    counts = np.zeros(len(index) * width, dtype=np.int64)
    if len(index):
        bounds, t = edges(frame, cuts), frame["t"].to_numpy(dtype="float64")
        for start in range(0, len(frame), CHUNK_ROWS):
            part = slice(start, start + CHUNK_ROWS)
            own = codes[part] if code_of is None else np.searchsorted(code_of, codes[part])
            take = own >= 0  # no value at all (NaN): in no column, as a groupby leaves it out
            if rows is not None:
                take &= rows[part]
            where = np.searchsorted(bounds, t[part][take], side="right") - 1
            counts += np.bincount(where * width + own[take], minlength=len(counts))
    per_bin = counts.reshape(len(index), width)
    seen = [i for i in range(len(labels)) if per_bin[:, i].any()]
    table = pd.DataFrame(per_bin[:, seen], index=index,
                         columns=[NO_RESPONSE if str(labels[i]) == "" else str(labels[i]) for i in seen])
    table.index.name = "t"
    return table


def _bin_positions(frame: pd.DataFrame, cuts: Cuts = ()) -> np.ndarray:
    """Each row's bin, as a position in :func:`_full_index` (int32, worked out a chunk of rows
    at a time)."""
    bounds, t = edges(frame, cuts), frame["t"].to_numpy(dtype="float64")
    positions = np.empty(len(t), dtype=np.int32)
    for start in range(0, len(t), CHUNK_ROWS):
        positions[start:start + CHUNK_ROWS] = np.searchsorted(bounds, t[start:start + CHUNK_ROWS], side="right") - 1
    return positions


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
