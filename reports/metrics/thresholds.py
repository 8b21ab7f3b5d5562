"""Thresholds: the ``expect`` block of a scenario, parsed and evaluated.

A threshold pairs a *metric path* with a *condition*::

    expect:
      hit_ratio: "> 0.7"
      latency_ms.p95: "< 250"
      faults[0].time_to_failover_s: "0.5..2.0"

Metric paths name a value in ``summary.json``: dotted keys, ``[i]`` list indices.
Conditions are ``< x``, ``<= x``, ``> x``, ``>= x``, ``== x`` or an inclusive range
``lo..hi``. A metric that is null (could not be computed) or absent fails its threshold
with the reason. :func:`parse_expect` is what the scenario validator calls: it raises
:class:`ThresholdError` (a ``ValueError``) with a one-line message on bad syntax.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reports.errors import ThresholdError

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COMPARE_RE = re.compile(rf"^\s*(<=|>=|==|<|>)\s*({_NUMBER})\s*$")
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*$")
_SEGMENT_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")
_INDEX_RE = re.compile(r"\[(\d+)\]")

CONDITION_HELP = "'< x', '<= x', '> x', '>= x', '== x' or 'lo..hi'"

# The shape of summary.json, as far as a threshold may name it: a typo anywhere in a path is
# caught at validation time, not after the run. A mapping lists its keys; "*" stands for keys
# that depend on the run (origin ids, status codes); "[]" is a list's items; LEAF is a value;
# ANY lets every path below through (shapes that follow the run, e.g. counts by result type).
LEAF: dict[str, Any] = {}
ANY: dict[str, Any] = {"*": None}
_LATENCY = {k: LEAF for k in ("p50", "p90", "p95", "p99", "max")}
_BY_CACHE = {"hit": _LATENCY, "miss": _LATENCY}
_ORIGIN = {"requests": LEAF, "share": LEAF, "misses": LEAF, "miss_share": LEAF, "latency_ms": _LATENCY}
_STREAM = {"requests": LEAF, "errors": LEAF, "error_ratio": LEAF, "hit_ratio": LEAF,
           "latency_ms": _LATENCY, "interval_s": LEAF}
_FAULT_TIMES = {k: LEAF for k in ("time_to_failover_s", "time_to_failback_s", "error_window_s", "errors")}
SUMMARY_SHAPE: dict[str, Any] = {
    **{k: LEAF for k in ("duration_s", "requests", "errors", "error_ratio", "requests_per_s", "hit_ratio",
                         "interrupted")},
    "latency_ms": _LATENCY,
    "latency_ms_by_cache": _BY_CACHE,
    "by_origin": {"*": _ORIGIN},
    "errors_by_kind": {"*": {"errors": LEAF, "by_status": ANY}},
    "phases": {"[]": {**{k: LEAF for k in ("requests", "errors", "error_ratio", "hit_ratio", "t_start", "t_end")},
                      "latency_ms": _LATENCY, "latency_ms_by_cache": _BY_CACHE,
                      "by_origin": {"*": _ORIGIN}, "streams": ANY}},
    "probe": _STREAM,
    "viewers": _STREAM,
    "faults": {"[]": {**_FAULT_TIMES, **{k: LEAF for k in (
        "failover_penalty_ms", "time_to_recover_s", "resolution_s", "t0", "t1")},
        "probe": _FAULT_TIMES}},
    "edge_log": {**{k: LEAF for k in ("requests", "failovers", "difference_ratio", "csv_requests",
                                       "csv_no_response")},
                 "edge_code_ms": {k: LEAF for k in ("requests", "p50", "p99", "max")},
                 **{k: ANY for k in ("failover_reasons", "origin_attempts", "result_types",
                                     "detailed_result_types", "status",
                                     "csv_origin", "csv_origin_not_hits", "csv_status", "csv_x_cache")}},
    "security": {"attacker": ANY, "checkout": ANY, "fle": ANY, "plaintext_found": LEAF,
                 "plaintext_files": ANY},
}
KNOWN_ROOTS = frozenset(SUMMARY_SHAPE)


def _shape_problem(parts: tuple[str | int, ...]) -> str | None:
    """What is wrong with a path against SUMMARY_SHAPE, or None."""
    node: dict[str, Any] | None = SUMMARY_SHAPE
    walked = ""
    for part in parts:
        if node is None:  # ANY: the run decides what exists below
            return None
        if isinstance(part, int):
            if "[]" not in node:
                return f"{walked or 'the summary'} is not a list: [{part}] cannot follow it"
            node, walked = node["[]"], f"{walked}[{part}]"
            continue
        if "[]" in node:
            return f"{walked} is a list: give an index, e.g. {walked}[0].{part}"
        if node is LEAF:
            return f"{walked} is a number: nothing can follow it"
        if part in node:
            node = node[part]
        elif "*" in node:
            node = node["*"]
        else:
            known = ", ".join(sorted(node))
            where = f"under {walked}" if walked else "at the top"
            return f"unknown metric {part!r} {where} (known: {known})"
        walked += ("." if walked else "") + part
    if node is not None and node is not LEAF and "*" not in node:
        return f"{walked} is not a number (name one of: {', '.join(sorted(k for k in node if k != '[]')) or 'its items'})"
    return None


@dataclass(frozen=True)
class Condition:
    """A parsed condition: ``op`` is a comparison or ``".."`` for an inclusive range."""

    op: str
    lo: float
    hi: float | None = None
    text: str = ""

    def holds(self, value: float) -> bool:
        """True when ``value`` satisfies the condition."""
        if self.op == "..":
            assert self.hi is not None
            return self.lo <= value <= self.hi
        return _OPS[self.op](value, self.lo)

    def __str__(self) -> str:
        if self.text:
            return self.text
        if self.op == "..":
            return f"{self.lo:g}..{self.hi:g}"
        return f"{self.op} {self.lo:g}"


def parse_condition(text: object) -> Condition:
    """Parse ``"< 1.0"``, ``"0.5..2.0"``...; raise ThresholdError naming what is allowed."""
    if not isinstance(text, str):
        raise ThresholdError(f"condition must be a quoted string ({CONDITION_HELP}), got {text!r}")
    match = _COMPARE_RE.match(text)
    if match:
        return Condition(match.group(1), float(match.group(2)), text=text.strip())
    match = _RANGE_RE.match(text)
    if match:
        lo, hi = float(match.group(1)), float(match.group(2))
        if lo > hi:
            raise ThresholdError(f"range {text!r} has its low end above its high end")
        return Condition("..", lo, hi, text=text.strip())
    raise ThresholdError(f"bad condition {text!r} (allowed: {CONDITION_HELP})")


def parse_metric_path(path: object) -> tuple[str | int, ...]:
    """Split ``faults[0].time_to_failover_s`` into ``("faults", 0, "time_to_failover_s")``."""
    if not isinstance(path, str) or not path.strip():
        raise ThresholdError(f"metric path must be a non-empty string, got {path!r}")
    parts: list[str | int] = []
    for segment in path.strip().split("."):
        match = _SEGMENT_RE.match(segment)
        if not match:
            raise ThresholdError(
                f"bad metric path {path!r} (use dotted names and [i] indices, "
                "e.g. latency_ms.p95 or faults[0].time_to_failover_s)")
        parts.append(match.group(1))
        parts.extend(int(i) for i in _INDEX_RE.findall(match.group(2)))
    problem = _shape_problem(tuple(parts))
    if problem is not None:
        raise ThresholdError(f"{problem} (in {path!r})")
    return tuple(parts)


@dataclass(frozen=True)
class Threshold:
    """One ``expect`` entry, validated."""

    metric: str
    path: tuple[str | int, ...]
    condition: Condition


def parse_expect(expect: object) -> list[Threshold]:
    """Validate a whole ``expect`` mapping; the message names the entry at fault."""
    if expect is None:
        return []
    if not isinstance(expect, Mapping):
        raise ThresholdError("expect: must be a mapping of metric path -> condition")
    thresholds = []
    for metric, text in expect.items():
        try:
            thresholds.append(Threshold(str(metric), parse_metric_path(metric), parse_condition(text)))
        except ThresholdError as exc:
            raise ThresholdError(f"expect.{metric}: {exc}") from None
    return thresholds


def resolve(summary: Mapping[str, Any], path: tuple[str | int, ...]) -> tuple[Any, str]:
    """The value at ``path`` and, when there is none, why (value None)."""
    node: Any = summary
    walked = ""
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                count = len(node) if isinstance(node, list) else 0
                return None, f"{walked}[{part}] does not exist (this run has {count})"
            node = node[part]
            walked += f"[{part}]"
        else:
            if not isinstance(node, Mapping) or part not in node:
                return None, f"{(walked + '.' if walked else '') + part} does not exist in this run"
            node = node[part]
            walked += ("." if walked else "") + part
    return node, ""


def evaluate(summary: Mapping[str, Any], thresholds: list[Threshold]) -> list[dict[str, Any]]:
    """Check each threshold against the summary: rows for ``summary["expect"]``."""
    rows = []
    for threshold in thresholds:
        value, reason = resolve(summary, threshold.path)
        passed = False
        if value is None:
            reason = reason or "metric is null: it could not be computed for this run"
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            reason = f"metric is not a number ({type(value).__name__})"
            value = None
        elif math.isnan(value):
            value, reason = None, "metric is null: it could not be computed for this run"
        else:
            passed = threshold.condition.holds(float(value))
            reason = "" if passed else f"{value:g} is not {threshold.condition}"
        rows.append({
            "metric": threshold.metric,
            "condition": str(threshold.condition),
            "value": value,
            "passed": passed,
            "reason": reason,
        })
    return rows
