"""Same, better or worse: a change is only called one when it is larger than the noise.

Every delta shown by ``compare``, ``trend`` and ``history`` goes through :func:`judge`, so
they never disagree. A metric's *band* is how far two runs of the same code can land apart
without anything having changed; it is narrower when each side has repeated runs, because
then a rank test, not the band alone, stands between noise and a verdict:

==========================================  ==================  ==========================
metric                                      one run a side      repeated runs (>= 4 a side)
==========================================  ==================  ==========================
failover and failback times (probe-timed)   one probe tick (the fault's ``resolution_s``)
latencies (``latency_ms.*``, ``*_ms``)      max(1 ms, 100 %)    max(1 ms, 10 %)
hit ratio                                   0.05                0.01
error ratio                                 0.01                0.001
requests per second                         10 %                5 %
error counts                                Poisson: 2 sqrt(a + b), at least 1
==========================================  ==================  ==========================

Why so wide for one run: two identical 15-s runs of ``primary-hang`` on a 2-core machine
gave a p95 of 7.1 and 13.4 ms and hit ratios of 0.770 and 0.752; a single short run cannot
tell a latency change smaller than a doubling from that noise. A latency percentile is also
"same" while it stays between the reference run's neighbouring percentiles (p95 between A's
p90 and p99, p90 between p50 and p95, p99 between p95 and max): in a fault run a percentile
near the edge between hits and misses that waited for a timeout jumps by seconds when a few
more requests land in the fault window (measured: p95 of 42 and 535 ms in two identical runs
of a 12-s hang scenario on a busy machine, both between p90 and p99 of the other). A
failover that did not happen at all (the baseline failed over, this run's fault window
closed without it) is worse.

With repeated runs a difference is only called when it is outside the band **and** a
two-sided Mann-Whitney U test on the runs gives p < 0.05, so one outlier cannot make a
verdict; with three runs a side the smallest possible p is 0.1, so the one-run band decides.
Counts such as ``requests`` have no direction: their deltas are shown without a verdict.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import combinations
from typing import Callable, Sequence

SIGNIFICANCE = 0.05
MIN_REPEATS = 4  # fewer a side and no split can reach p < 0.05: the band alone decides
HIGHER_IS_BETTER = frozenset({"hit_ratio", "requests_per_s"})
NEUTRAL = frozenset({"duration_s", "requests", "t0", "t1", "share", "interval_s", "resolution_s",
                     "misses", "miss_share"})
PROBE_TIMED = frozenset({"time_to_failover_s", "error_window_s", "time_to_recover_s", "time_to_failback_s"})
PROBE_TICK_S = 0.1  # contracts.defaults.PROBE_INTERVAL_MS, when a summary does not say


@dataclass(frozen=True)
class Verdict:
    """``word`` is "same", "better", "worse", or "" (no direction, or a value missing)."""

    word: str
    delta: float | None
    band: float | None
    why: str


def plain(value: float) -> str:
    """A number as people read it: 3 significant digits, never in exponent form (2,005 not 2e+03)."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def direction(metric: str) -> int:
    """+1 when a larger value is better, -1 when smaller is better, 0 when neither."""
    last = metric.rsplit(".", 1)[-1]
    if last in NEUTRAL or metric.endswith(".requests") or last == "requests":
        return 0
    return 1 if last in HIGHER_IS_BETTER else -1


def band(metric: str, reference: float, other: float, resolution_s: float | None = None,
         repeated: bool = False) -> float:
    """How far apart two runs of unchanged code may land on ``metric`` (the module's table)."""
    last = metric.rsplit(".", 1)[-1]
    if last in PROBE_TIMED:
        return resolution_s if resolution_s else PROBE_TICK_S
    if "latency_ms" in metric or last.endswith("_ms"):
        return max(1.0, (0.10 if repeated else 1.0) * abs(reference))
    if last == "hit_ratio":
        return 0.01 if repeated else 0.05
    if last == "error_ratio":
        return 0.001 if repeated else 0.01
    if last == "requests_per_s":
        return (0.05 if repeated else 0.10) * abs(reference)
    if last == "errors":
        return max(1.0, 2.0 * math.sqrt(abs(reference) + abs(other)))
    return 0.0  # anything else: any change counts


NEIGHBOURS = {"p90": ("p50", "p95"), "p95": ("p90", "p99"), "p99": ("p95", "max")}


def neighbour_paths(metric: str) -> tuple[str, str] | None:
    """The paths of the percentiles on either side of a latency percentile, or None."""
    head, _, last = metric.rpartition(".")
    if "latency_ms" not in head or last not in NEIGHBOURS:
        return None
    low, high = NEIGHBOURS[last]
    return f"{head}.{low}", f"{head}.{high}"


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test; exact (every split counted) up to
    20 values in all, the normal approximation with a tie correction beyond."""
    n, m = len(a), len(b)
    pooled = sorted([*a, *b])
    ranks: dict[float, float] = {}
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1] == pooled[i]:
            j += 1
        ranks[pooled[i]] = (i + j) / 2 + 1  # average rank of a tie
        i = j + 1
    all_ranks = [ranks[v] for v in [*a, *b]]
    observed = abs(sum(all_ranks[:n]) - n * (n + m + 1) / 2)
    if n + m <= 20:
        extreme = total = 0
        for chosen in combinations(all_ranks, n):
            total += 1
            extreme += abs(sum(chosen) - n * (n + m + 1) / 2) >= observed - 1e-9
        return extreme / total
    ties = sum(c ** 3 - c for c in (pooled.count(v) for v in ranks))
    variance = n * m / 12 * ((n + m + 1) - ties / ((n + m) * (n + m - 1)))
    if variance <= 0:
        return 1.0
    z = (observed - 0.5) / math.sqrt(variance)
    return math.erfc(max(z, 0.0) / math.sqrt(2))


def judge(metric: str, a: Sequence[float | None], b: Sequence[float | None],
          resolution_s: float | None = None, fault_in_b: bool = False,
          neighbours: tuple[float | None, float | None] | None = None) -> Verdict:
    """The verdict on B against A for ``metric``, from one or more values a side.

    ``fault_in_b``: B has the fault this metric belongs to, so a missing failover or
    failback time in B means it never happened. ``neighbours``: A's percentiles on either
    side of this one (:func:`neighbour_paths`), for one run a side.
    """
    xs = [float(v) for v in a if v is not None]
    ys = [float(v) for v in b if v is not None]
    never = metric.rsplit(".", 1)[-1] in ("time_to_failover_s", "time_to_failback_s")
    if xs and not ys and never and fault_in_b:
        what = metric.rsplit(".", 1)[-1].removeprefix("time_to_").removesuffix("_s")
        return Verdict("worse", None, None, f"no {what} within the fault window "
                                            f"(A: {plain(statistics.median(xs))} s)")
    if not xs or not ys:
        return Verdict("", None, None, "no value on one side")
    ref, new = statistics.median(xs), statistics.median(ys)
    delta = new - ref
    sign = direction(metric)
    if not sign:
        return Verdict("", delta, None, "a count: no better or worse")
    repeated = len(xs) >= MIN_REPEATS and len(ys) >= MIN_REPEATS
    width = band(metric, ref, new, resolution_s, repeated)
    if abs(delta) <= width:
        return Verdict("same", delta, width, f"within the noise band of ±{plain(width)}")
    if not repeated and neighbours and None not in neighbours:
        low, high = sorted(float(v) for v in neighbours if v is not None)
        if low <= new <= high:
            return Verdict("same", delta, width, f"between A's neighbouring percentiles "
                                                 f"({plain(low)}..{plain(high)}): a shift of a few ranks")
    word = "better" if delta * sign > 0 else "worse"
    if repeated:
        p = mann_whitney_p(xs, ys)
        test = f"Mann-Whitney U over {len(xs)} and {len(ys)} runs, p = {p:.2g}"
        if p >= SIGNIFICANCE:
            return Verdict("same", delta, width, f"{test}: not significant")
        return Verdict(word, delta, width, f"beyond ±{plain(width)}; {test}")
    return Verdict(word, delta, width, f"beyond the noise band of ±{plain(width)}")


Lookup = Callable[[str], "float | None"]


def judge_between(metric: str, a: Lookup, b: Lookup, a_values: Sequence[float | None] | None = None,
                  b_values: Sequence[float | None] | None = None) -> Verdict:
    """:func:`judge` for ``metric`` with what it needs read from the two runs themselves:
    ``a``/``b`` give any metric path's value in run A (the reference) and run B. The probe
    resolution is the coarser of the two runs' for a fault's metric, B's fault window says
    whether a missing failover never happened, and A's neighbouring percentiles widen a
    single-run latency band. ``a_values``/``b_values``: the metric over every run of a
    repeat (default: A's and B's value)."""
    fault = metric.split(".")[0] if metric.startswith("faults[") else None
    resolution = None
    if fault is not None:
        ticks = [v for v in (a(f"{fault}.resolution_s"), b(f"{fault}.resolution_s")) if v is not None]
        resolution = max(ticks, default=None)
    around = neighbour_paths(metric)
    return judge(metric, a_values if a_values is not None else [a(metric)],
                 b_values if b_values is not None else [b(metric)], resolution,
                 fault is not None and b(f"{fault}.t0") is not None,
                 (a(around[0]), a(around[1])) if around else None)
