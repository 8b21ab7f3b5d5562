"""Per-second series for the charts: pure, vectorised groupbys on ``floor(t)``.

Each function returns a DataFrame indexed by the whole second since load start (every
second from the first to the last request, gaps filled), one column per series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contracts.requests_csv import HIT_WORDS

NO_RESPONSE = "none"


def seconds(frame: pd.DataFrame) -> pd.Series:
    """The whole second since load start in which each request was sent."""
    return np.floor(frame["t"]).astype("int64")


def _full_index(frame: pd.DataFrame) -> pd.Index:
    if frame.empty:
        return pd.Index([], dtype="int64", name="second")
    sec = seconds(frame)
    return pd.RangeIndex(int(sec.min()), int(sec.max()) + 1, name="second")


def latency_percentiles(frame: pd.DataFrame) -> pd.DataFrame:
    """p50, p95, p99 of latency (ms) per second; NaN in seconds without requests."""
    grouped = frame["latency_ms"].groupby(seconds(frame))
    table = pd.DataFrame({
        "p50": grouped.quantile(0.50), "p95": grouped.quantile(0.95), "p99": grouped.quantile(0.99),
    })
    return table.reindex(_full_index(frame))


def counts_by(frame: pd.DataFrame, column: str, mask: pd.Series | None = None) -> pd.DataFrame:
    """Requests per second, one column per value of ``column`` (empty -> ``none``)."""
    rows = frame if mask is None else frame[mask]
    if rows.empty:
        table = pd.DataFrame(index=_full_index(frame))
    else:
        # groupby on the (categorical) column itself: no per-row string conversion.
        table = (rows[column].groupby([seconds(rows), rows[column]], observed=True).size()
                 .unstack(fill_value=0))
        table = table.reindex(_full_index(frame), fill_value=0)
        table.columns = [NO_RESPONSE if str(c) == "" else str(c) for c in table.columns]
    table.index.name = "second"
    return table.fillna(0).astype("int64")


def hit_ratio(frame: pd.DataFrame) -> pd.Series:
    """(Hit + RefreshHit) / (Hit + RefreshHit + Miss) per second; NaN without such rows."""
    counts = counts_by(frame, "x_cache")
    hits = sum(counts[c] for c in HIT_WORDS if c in counts)
    misses = counts["Miss"] if "Miss" in counts else 0
    total = hits + misses
    if isinstance(total, int):
        return pd.Series(np.nan, index=counts.index)
    return (hits / total.where(total > 0)).astype("float64")


def origin_share(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of each second's cache misses fetched from each origin.

    Only responses fetched from an origin for that very request (``X-Cache: Miss``) count:
    a hit carries the Id of whichever origin filled the cache earlier, so misses are what
    show the origin group switching.
    """
    mask = (frame["origin"] != "") & (frame["x_cache"] == "Miss")
    counts = counts_by(frame, "origin", mask)
    counts = counts.drop(columns=[NO_RESPONSE], errors="ignore")
    total = counts.sum(axis=1)
    return counts.div(total.where(total > 0), axis=0)


def errors_by_status(frame: pd.DataFrame) -> pd.DataFrame:
    """Errors (``ok == 0``) per second, one column per status (0 -> ``no response``)."""
    table = counts_by(frame, "status", frame["ok"] == 0)
    return table.rename(columns={"0": "no response"})
