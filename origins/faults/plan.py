"""Decide, without IO, how one request is answered given the active faults."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Sequence

from origins.faults.base import Context, Plan
from origins.faults.registry import Fault


@dataclass(frozen=True)
class ActiveFault:
    """A fault as stored: with the monotonic time it was added (flap counts from it)."""

    fault: Fault
    added_at: float


def plan_request(active: Sequence[ActiveFault], path: str, rng: random.Random, now: float) -> Plan:
    """Fold the faults, in insertion order, into a :class:`Plan` for a request to ``path``.

    Shaping faults all apply; the first terminal fault that matches decides the outcome
    and later terminal faults are skipped (without drawing their probability).
    """
    plan = Plan()
    for item in active:
        fault = item.fault
        effect = fault.effect
        if not effect.per_request or (effect.terminal and plan.outcome is not None):
            continue
        if not fault.matches(path):
            continue
        if fault.probability < 1.0 and rng.random() >= fault.probability:
            continue
        ctx = Context(rng=rng, elapsed_s=now - item.added_at, fault_name=fault.name)
        before = plan
        plan = effect.apply(plan, ctx)
        if plan is not before:
            plan = replace(plan, applied=plan.applied + (fault.name,))
    return plan
