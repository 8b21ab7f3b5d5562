"""The refuse fault: the data listener closes, so new connections are refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from origins.faults.base import Context, Effect, Plan, check_keys


@dataclass(frozen=True)
class Refuse(Effect):
    """Close the data listener (ECONNREFUSED) and idle keep-alive connections; the same
    port is re-opened when the fault is deleted or the origin reset. Acts on the listener,
    not on requests, so ``paths`` and ``probability`` are not accepted."""

    type: ClassVar[str] = "refuse"
    per_request: ClassVar[bool] = False

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Refuse:
        check_keys(attrs, cls.type, ())
        return cls()

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return plan
