"""Shaping faults: they slow a response down but let it through (or let a later fault decide)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Mapping

from origins.faults.base import Context, Effect, Plan, check_keys, get_int

MAX_MS = 600_000  # ten minutes: longer than any CloudFront origin timeout


@dataclass(frozen=True)
class Latency(Effect):
    """Wait ``ms`` (plus or minus up to ``jitter_ms``, never below 0) before answering."""

    type: ClassVar[str] = "latency"
    ms: int
    jitter_ms: int = 0

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Latency:
        check_keys(attrs, cls.type, ("ms", "jitter_ms"))
        return cls(ms=get_int(attrs, "ms", 0, MAX_MS), jitter_ms=get_int(attrs, "jitter_ms", 0, MAX_MS, 0))

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        jitter = ctx.rng.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms else 0.0
        return replace(plan, delay_s=plan.delay_s + max(0.0, self.ms + jitter) / 1000.0)


@dataclass(frozen=True)
class SlowHeaders(Effect):
    """Wait ``ms`` before the status line: the time-to-first-byte view of latency."""

    type: ClassVar[str] = "slow-headers"
    ms: int

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> SlowHeaders:
        check_keys(attrs, cls.type, ("ms",))
        return cls(ms=get_int(attrs, "ms", 0, MAX_MS))

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return replace(plan, delay_s=plan.delay_s + self.ms / 1000.0)


@dataclass(frozen=True)
class Bandwidth(Effect):
    """Send the body at ``bytes_per_s`` (the slowest of several bandwidth faults wins)."""

    type: ClassVar[str] = "bandwidth"
    bytes_per_s: int

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Bandwidth:
        check_keys(attrs, cls.type, ("bytes_per_s",))
        return cls(bytes_per_s=get_int(attrs, "bytes_per_s", 1, 10**12))

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        rate = self.bytes_per_s if plan.bytes_per_s is None else min(plan.bytes_per_s, self.bytes_per_s)
        return replace(plan, bytes_per_s=rate)
