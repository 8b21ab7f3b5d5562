"""Faults that break the TCP connection instead of answering normally."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from origins.faults.base import Context, Effect, Plan, check_keys, get_choice, get_float


@dataclass(frozen=True)
class Hang(Effect):
    """Read the request, never answer. Released (connection closed unanswered) when the
    fault is deleted or the origin reset, or when the client goes away."""

    type: ClassVar[str] = "hang"
    terminal: ClassVar[bool] = True

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Hang:
        check_keys(attrs, cls.type, ())
        return cls()

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return self.decide(plan, ctx)


RESET_WHEN = ("before-response", "mid-body")


@dataclass(frozen=True)
class Reset(Effect):
    """Drop the connection with a TCP RST, before the status line or halfway through the body."""

    type: ClassVar[str] = "reset"
    terminal: ClassVar[bool] = True
    when: str = "before-response"

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Reset:
        check_keys(attrs, cls.type, ("when",))
        return cls(when=get_choice(attrs, "when", RESET_WHEN, "before-response"))

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return self.decide(plan, ctx)


@dataclass(frozen=True)
class Truncate(Effect):
    """Send the headers (full Content-Length), ``fraction`` of the body, then close (FIN)."""

    type: ClassVar[str] = "truncate"
    terminal: ClassVar[bool] = True
    fraction: float = 0.5

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Truncate:
        check_keys(attrs, cls.type, ("fraction",))
        return cls(fraction=get_float(attrs, "fraction", 0.0, 1.0, 0.5))

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return self.decide(plan, ctx)
