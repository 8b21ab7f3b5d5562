"""The noise-aware verdict shared by compare, trend and history (pure, no IO)."""

from __future__ import annotations

import math

import pytest

from reports.metrics.verdict import band, direction, judge, mann_whitney_p


def test_directions() -> None:
    assert [direction(m) for m in ("hit_ratio", "latency_ms.p95", "requests", "faults[0].errors",
                                   "by_origin.primary.requests", "requests_per_s")] == [1, -1, 0, -1, 0, 1]


def test_bands() -> None:
    assert band("faults[0].time_to_failover_s", 0.3, 0.4, 0.25) == 0.25  # the run's probe tick
    assert band("faults[0].time_to_failover_s", 0.3, 0.4) == 0.1  # the default tick
    assert band("latency_ms.p95", 200.0, 0.0) == 20.0 and band("latency_ms.p50", 3.0, 0.0) == 1.0
    assert band("errors", 8.0, 17.0) == 10.0 and band("errors", 0.0, 0.0) == 1.0
    assert band("hit_ratio", 0.9, 0.8) == 0.01


@pytest.mark.parametrize(("a", "b", "word"), [
    ([0.30], [0.39], "same"),      # inside one 0.1 s tick
    ([0.30], [0.41], "worse"),     # beyond it
    ([0.30], [0.19], "better"),
    ([0.30], [None], ""),          # nothing to compare
])
def test_single_values(a: list[float], b: list[float], word: str) -> None:
    assert judge("faults[0].time_to_failover_s", a, b, 0.1).word == word


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
    verdict = judge("latency_ms.p95", [100, 101, 102], [200, 201, 202])
    assert (verdict.word, verdict.why) == ("worse", "beyond the noise band of ±10.1")
    verdict = judge("latency_ms.p95", [100, 101, 102, 103], [200, 201, 202, 203])
    assert verdict.word == "worse" and "p = 0.029" in verdict.why
