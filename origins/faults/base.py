"""What every fault type shares: the response plan it shapes and attribute validators.

A fault type is a frozen dataclass of its attributes with two class-level facts
(``type`` and ``terminal``) and one method, :meth:`Effect.apply`, that folds it into a
:class:`Plan`. Planning is pure: the data app turns the finished plan into IO.

- *Shaping* effects (latency, slow-headers, bandwidth) always apply when they match.
- *Terminal* effects (status, hang, reset, truncate, flap) decide the response; the
  first one that matches wins and later terminal faults are not consulted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Mapping

from origins.errors import FaultSpecError

PREFIX = "faults"


@dataclass(frozen=True)
class Context:
    """What an effect may look at when it applies to one request."""

    rng: random.Random
    elapsed_s: float  # since the fault was added
    fault_name: str


@dataclass(frozen=True)
class Plan:
    """How to answer one request: delay first, then the outcome, then the body rate."""

    delay_s: float = 0.0
    bytes_per_s: int | None = None
    outcome: Effect | None = None  # None: serve the content normally
    decided_by: str | None = None  # name of the fault that chose the outcome
    applied: tuple[str, ...] = field(default=())  # names of every fault that applied


class Effect:
    """Base of the fault types. Subclasses are frozen dataclasses."""

    type: ClassVar[str]
    terminal: ClassVar[bool] = False
    # Faults that act on the listener rather than on requests ignore paths/probability.
    per_request: ClassVar[bool] = True

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Effect:
        """Validate the type's attributes (envelope keys removed) into an instance."""
        raise NotImplementedError

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        """This fault's contribution to the plan of a matching request."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    def decide(self, plan: Plan, ctx: Context, outcome: Effect | None = None) -> Plan:
        """Helper for terminal effects: make ``outcome`` (default self) the answer."""
        return replace(plan, outcome=outcome or self, decided_by=ctx.fault_name)


def check_keys(attrs: Mapping[str, Any], type_name: str, allowed: tuple[str, ...]) -> None:
    """Reject attributes the type does not have (typos must not pass silently)."""
    for key in attrs:
        if key not in allowed:
            known = ", ".join(allowed) if allowed else "none"
            raise FaultSpecError(
                f"{PREFIX}.{key}: unknown attribute for fault type '{type_name}' (allowed: {known})"
            )


def get_int(
    attrs: Mapping[str, Any], key: str, lo: int, hi: int, default: int | None = None
) -> int:
    value = attrs.get(key, default)
    if value is None:
        raise FaultSpecError(f"{PREFIX}.{key}: required, an integer {lo}..{hi}")
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise FaultSpecError(f"{PREFIX}.{key}: must be an integer {lo}..{hi}, got {value!r}")
    return value


def get_float(
    attrs: Mapping[str, Any], key: str, lo: float, hi: float, default: float | None = None
) -> float:
    value = attrs.get(key, default)
    if value is None:
        raise FaultSpecError(f"{PREFIX}.{key}: required, a number {lo}..{hi}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise FaultSpecError(f"{PREFIX}.{key}: must be a number {lo}..{hi}, got {value!r}")
    return float(value)


def get_choice(attrs: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = attrs.get(key, default)
    if value not in choices:
        raise FaultSpecError(
            f"{PREFIX}.{key}: must be one of {', '.join(repr(c) for c in choices)}, got {value!r}"
        )
    return str(value)
