"""The noise-aware verdict shared by compare, trend and history (pure, no IO)."""

from __future__ import annotations

import math

import pytest

from reports.metrics.verdict import band, direction, judge, mann_whitney_p, neighbour_paths


def test_directions() -> None:
    assert [direction(m) for m in ("hit_ratio", "latency_ms.p95", "requests", "faults[0].errors",
                                   "by_origin.primary.requests", "requests_per_s")] == [1, -1, 0, -1, 0, 1]


def test_bands() -> None:
    assert band("faults[0].time_to_failover_s", 0.3, 0.4, 0.25) == 0.25  # the run's probe tick
    assert band("faults[0].time_to_failover_s", 0.3, 0.4) == 0.1  # the default tick
    # One run a side: a latency must double; repeated runs: 10 % (and a significant test).
    assert band("latency_ms.p95", 200.0, 0.0) == 200.0 and band("latency_ms.p50", 0.5, 0.0) == 1.0
    assert band("latency_ms.p95", 200.0, 0.0, repeated=True) == 20.0
    assert band("errors", 8.0, 17.0) == 10.0 and band("errors", 0.0, 0.0) == 1.0
    assert (band("hit_ratio", 0.9, 0.8), band("hit_ratio", 0.9, 0.8, repeated=True)) == (0.05, 0.01)


@pytest.mark.parametrize(("a", "b", "word"), [
    ([0.30], [0.39], "same"),      # inside one 0.1 s tick
    ([0.30], [0.41], "worse"),     # beyond it
    ([0.30], [0.19], "better"),
    ([0.30], [None], ""),          # nothing to compare
])
def test_single_values(a: list[float], b: list[float], word: str) -> None:
    assert judge("faults[0].time_to_failover_s", a, b, 0.1).word == word


def test_a_failover_that_never_happened_is_worse() -> None:
    verdict = judge("faults[0].time_to_failover_s", [2.06], [None], 0.1, fault_in_b=True)
    assert (verdict.word, verdict.why) == ("worse", "no failover within the fault window (A: 2.06 s)")
    # No such fault in B at all: nothing to judge.
    assert judge("faults[0].time_to_failover_s", [2.06], [None], 0.1).word == ""


def test_identical_short_runs_are_the_same() -> None:
    # Two runs of primary-hang measured on 2 cores: p95 7.1 vs 13.4 ms, hit ratio 0.770 vs 0.752.
    assert judge("latency_ms.p95", [7.132], [13.361]).word == "same"
    assert judge("hit_ratio", [0.770355], [0.752344]).word == "same"
    # A hung origin's read timeout in the tail: 2 s -> 3.5 s is no doubling, 2 s -> 30 s is.
    assert judge("faults[0].failover_penalty_ms", [1998.6], [30001.0]).word == "worse"


def test_a_percentile_between_the_neighbours_is_the_same() -> None:
    # Measured on a busy machine: p95 42 ms, then 535 ms; the first run's p90 and p99 were
    # 9 and 2004 ms: p95 sat at the edge between hits and timed-out misses.
    assert neighbour_paths("latency_ms.p95") == ("latency_ms.p90", "latency_ms.p99")
    assert neighbour_paths("latency_ms_by_cache.miss.p99") == ("latency_ms_by_cache.miss.p95",
                                                               "latency_ms_by_cache.miss.max")
    assert neighbour_paths("latency_ms.p50") is None and neighbour_paths("hit_ratio") is None
    verdict = judge("latency_ms.p95", [41.67], [534.8], neighbours=(9.0, 2004.0))
    assert (verdict.word, verdict.why) == ("same", "between A's neighbouring percentiles (9..2,004): "
                                                   "a shift of a few ranks")
    assert judge("latency_ms.p95", [41.67], [2500.0], neighbours=(9.0, 2004.0)).word == "worse"
    assert judge("latency_ms.p95", [41.67], [534.8]).word == "worse"  # no neighbours known


def test_errors_use_poisson_noise() -> None:
    assert judge("errors", [8], [17], None).word == "same"  # 9 < 2 * sqrt(25) = 10
    assert judge("errors", [8], [19], None).word == "worse"  # 11 > 2 * sqrt(27) = 10.4


def test_mann_whitney_exact_values() -> None:
    # Complete separation of 3 and 3: 2 of the 20 splits are as extreme.
    assert mann_whitney_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    assert mann_whitney_p([1, 2, 3], [1, 2, 3]) == 1.0
    # Beyond 20 values: the normal approximation, close to the exact figure.
    a, b = list(range(11)), [v + 20 for v in range(11)]
    assert mann_whitney_p(a, b) < 1e-4 and not math.isnan(mann_whitney_p(a, b))


def test_three_runs_a_side_are_judged_by_the_band() -> None:
    # With 3 a side the smallest possible p is 0.1: no test could call it, so the band does.
    verdict = judge("latency_ms.p95", [100, 101, 102], [250, 251, 252])
    assert (verdict.word, verdict.why) == ("worse", "beyond the noise band of ±101")
    verdict = judge("latency_ms.p95", [100, 101, 102, 103], [200, 201, 202, 203])
    assert verdict.word == "worse" and "p = 0.029" in verdict.why
