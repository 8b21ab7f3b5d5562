"""Same, better or worse: a change is only called one when it is larger than the noise.

Every delta shown by ``compare``, ``trend`` and ``history`` goes through :func:`judge`, so
the three never disagree. A metric's *band* is how far two runs of the same code can land
apart without anything having changed:

- failover figures (``time_to_failover_s``, ``error_window_s``, ``time_to_recover_s``,
  ``time_to_failback_s``) are timed by the probe: the band is one probe tick (the fault's
  ``resolution_s``, 0.1 s by default), the resolution of the measurement itself;
- latencies (``latency_ms.*``, ``failover_penalty_ms``): the larger of 1 ms and 10 % of
  the reference value (a percentile of a 20-60 s run on a shared machine moves that much
  between identical runs);
- ratios: 0.01 for the hit ratio, 0.001 for an error ratio, 5 % for requests per second;
- counts of errors: Poisson noise, twice the square root of the two counts added (about
  95 % of identical runs land inside it), and never less than 1.

With one value a side, a delta inside the band is "same" and one outside is better or
worse by the metric's direction. Where both sides have at least four values (repeated
runs; with three a side the smallest possible p is 0.1, so the band alone decides), the medians are compared and a difference is only called when it is outside the
band **and** a two-sided Mann-Whitney U test gives p < 0.05, so one outlier run cannot
make a verdict. Counts such as ``requests`` have no direction: their deltas are shown
without a verdict.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

SIGNIFICANCE = 0.05
MIN_REPEATS = 4  # fewer a side and no split can reach p < 0.05: the band alone decides
HIGHER_IS_BETTER = frozenset({"hit_ratio", "requests_per_s"})
NEUTRAL = frozenset({"duration_s", "requests", "t0", "t1", "share", "interval_s", "resolution_s"})
PROBE_TIMED = frozenset({"time_to_failover_s", "error_window_s", "time_to_recover_s", "time_to_failback_s"})
PROBE_TICK_S = 0.1  # contracts.defaults.PROBE_INTERVAL_MS, when a summary does not say


@dataclass(frozen=True)
class Verdict:
    """``word`` is "same", "better", "worse", or "" (no direction, or a value missing)."""

    word: str
    delta: float | None
    band: float | None
    why: str


def direction(metric: str) -> int:
    """+1 when a larger value is better, -1 when smaller is better, 0 when neither."""
    last = metric.rsplit(".", 1)[-1]
    if last in NEUTRAL or metric.endswith(".requests") or last == "requests":
        return 0
    return 1 if last in HIGHER_IS_BETTER else -1


def band(metric: str, reference: float, other: float, resolution_s: float | None = None) -> float:
    """How far apart two runs of unchanged code may land on ``metric`` (see the module text)."""
    last = metric.rsplit(".", 1)[-1]
    if last in PROBE_TIMED:
        return resolution_s if resolution_s else PROBE_TICK_S
    if "latency_ms" in metric or last.endswith("_ms"):
        return max(1.0, 0.10 * abs(reference))
    if last == "hit_ratio":
        return 0.01
    if last == "error_ratio":
        return 0.001
    if last == "requests_per_s":
        return 0.05 * abs(reference)
    if last == "errors":
        return max(1.0, 2.0 * math.sqrt(abs(reference) + abs(other)))
    return 0.0  # anything else: any change counts


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
          resolution_s: float | None = None) -> Verdict:
    """The verdict on B against A for ``metric``, from one or more values a side."""
    xs = [float(v) for v in a if v is not None]
    ys = [float(v) for v in b if v is not None]
    if not xs or not ys:
        return Verdict("", None, None, "no value on one side")
    ref, new = statistics.median(xs), statistics.median(ys)
    delta = new - ref
    sign = direction(metric)
    if not sign:
        return Verdict("", delta, None, "a count: no better or worse")
    width = band(metric, ref, new, resolution_s)
    if abs(delta) <= width:
        return Verdict("same", delta, width, f"within the noise band of ±{width:.3g}")
    word = "better" if delta * sign > 0 else "worse"
    if len(xs) >= MIN_REPEATS and len(ys) >= MIN_REPEATS:
        p = mann_whitney_p(xs, ys)
        test = f"Mann-Whitney U over {len(xs)} and {len(ys)} runs, p = {p:.2g}"
        if p >= SIGNIFICANCE:
            return Verdict("same", delta, width, f"{test}: not significant")
        return Verdict(word, delta, width, f"beyond ±{width:.3g}; {test}")
    return Verdict(word, delta, width, f"beyond the noise band of ±{width:.3g}")
