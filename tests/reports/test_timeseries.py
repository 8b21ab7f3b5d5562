"""Binned series for the charts: whole seconds cut at the fault edges, so no bin draws an
effect before its cause (pure: DataFrames in, DataFrames out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports.metrics import timeseries


def _misses(kill_at: float) -> pd.DataFrame:
    """A miss every 0.1 s from 10 to 16 s: the primary's before ``kill_at``, the secondary's after."""
    t = np.round(np.arange(10.0, 16.0, 0.1), 3)
    return pd.DataFrame({"t": t, "latency_ms": 5.0, "ok": 1, "x_cache": "Miss", "status": 200,
                         "origin": np.where(t < kill_at, "primary", "secondary")})


def test_no_bin_draws_the_switch_before_the_kill() -> None:
    frame = _misses(13.22)
    # Whole seconds only: the bin [13, 14) already shows the secondary at 13.0 s.
    plain = timeseries.origin_share(frame)
    assert 0 < plain.loc[13.0, "secondary"] < 1
    # Cut at the kill: [13, 13.22) is all primary, [13.22, 14) all secondary.
    cut = timeseries.origin_share(frame, cuts=[13.22])
    assert list(cut.index) == [10.0, 11.0, 12.0, 13.0, 13.22, 14.0, 15.0]
    assert (cut.loc[13.0, "primary"], cut.loc[13.22, "secondary"]) == (1.0, 1.0)
    # Where the secondary first shows up is never before the cause.
    first = cut.index[cut["secondary"] > 0][0]
    assert first >= 13.22


def test_rates_divide_by_the_bin_width() -> None:
    frame = _misses(13.22)
    counts = timeseries.counts_by(frame, "x_cache", cuts=[13.22])
    rates = timeseries.per_second_rate(counts)
    # 10 requests a second everywhere, whether the bin is 0.22 s, 0.78 s or 1 s long.
    assert rates["Miss"].to_numpy() == pytest.approx([10.0, 10.0, 10.0, 3 / 0.22, 7 / 0.78, 10.0, 10.0])
    assert list(timeseries.bin_ends(counts.index)) == [11.0, 12.0, 13.0, 13.22, 14.0, 15.0, 16.0]


def test_cuts_outside_the_requests_are_ignored() -> None:
    frame = _misses(13.22)
    assert list(timeseries.edges(frame, [2.0, 13.5, 99.0])) == [10.0, 11.0, 12.0, 13.0, 13.5, 14.0,
                                                                15.0, 16.0]
    assert len(timeseries.edges(frame.iloc[0:0], [1.0])) == 0


def test_counts_and_percentiles_match_a_plain_groupby(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted a chunk of rows at a time (chunks of 1,000 here), the latencies sorted by bin
    once: the same numbers as grouping the rows by bin, whatever order they come in."""
    monkeypatch.setattr(timeseries, "CHUNK_ROWS", 1_000)
    rng = np.random.default_rng(7)
    rows = 25_000
    frame = pd.DataFrame({
        "t": rng.uniform(0, 40, rows), "latency_ms": rng.lognormal(1, 1, rows),
        "x_cache": pd.Categorical(rng.choice(["Hit", "Miss", "", "Error"], rows), categories=["Miss", "Hit", "", "Error", "RefreshHit"]),
        "status": rng.choice([200, 502, 0, 503], rows).astype("int32")})
    cuts = [12.5, 30.25]
    bins = pd.Series(timeseries.edges(frame, cuts)).iloc[
        np.searchsorted(timeseries.edges(frame, cuts), frame["t"], side="right") - 1].to_numpy()
    expected = frame.groupby([bins, "x_cache"], observed=True).size().unstack(fill_value=0)
    counts = timeseries.counts_by(frame, "x_cache", cuts=cuts)
    assert list(counts.columns) == ["Miss", "Hit", "none", "Error"]  # category order; "" is none
    assert (counts.to_numpy() == expected.to_numpy()).all()
    errors = timeseries.counts_by(frame, "status", frame["status"] != 200, cuts)
    assert list(errors.columns) == ["0", "502", "503"]
    assert errors.to_numpy().sum() == (frame["status"] != 200).sum()
    percentiles = timeseries.latency_percentiles(frame, cuts)
    grouped = frame["latency_ms"].groupby(bins)
    for column, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        assert np.allclose(percentiles[column].to_numpy(), grouped.quantile(q).to_numpy(), rtol=1e-12)
