"""Faults that answer with an HTTP status instead of the content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from origins.errors import FaultSpecError
from origins.faults.base import PREFIX, Context, Effect, Plan, check_keys, get_int


@dataclass(frozen=True)
class Status(Effect):
    """Answer ``status`` with a small body (default: the status line) and optional headers.

    With ``probability`` below 1 this is an *error rate*: e.g. 10 % of requests get 500.
    """

    type: ClassVar[str] = "status"
    terminal: ClassVar[bool] = True
    status: int
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Status:
        check_keys(attrs, cls.type, ("status", "body", "headers"))
        body = attrs.get("body")
        if body is not None and not isinstance(body, str):
            raise FaultSpecError(f"{PREFIX}.body: must be a string, got {body!r}")
        raw_headers = attrs.get("headers")
        raw_headers = {} if raw_headers is None else raw_headers
        if not isinstance(raw_headers, dict):
            raise FaultSpecError(f"{PREFIX}.headers: must be an object of header name -> string")
        headers = []
        for name, value in raw_headers.items():
            if not isinstance(value, str) or not _is_token(name) or not _is_field_value(value):
                raise FaultSpecError(
                    f"{PREFIX}.headers.{name}: must be a valid header name with a one-line string value"
                )
            headers.append((name, value))
        return cls(status=get_int(attrs, "status", 100, 599), body=body, headers=tuple(headers))

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "headers": dict(self.headers)}

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        return self.decide(plan, ctx)


@dataclass(frozen=True)
class Flap(Effect):
    """Alternate failing (answer ``status``) and healthy every ``period_ms``.

    The first period after the fault is added fails, so the fault is visible at once.
    """

    type: ClassVar[str] = "flap"
    terminal: ClassVar[bool] = True
    period_ms: int
    status: int = 503

    @classmethod
    def from_json(cls, attrs: Mapping[str, Any]) -> Flap:
        check_keys(attrs, cls.type, ("period_ms", "status"))
        return cls(
            period_ms=get_int(attrs, "period_ms", 1, 3_600_000),
            status=get_int(attrs, "status", 100, 599, 503),
        )

    def failing(self, elapsed_s: float) -> bool:
        return int(elapsed_s * 1000.0 // self.period_ms) % 2 == 0

    def apply(self, plan: Plan, ctx: Context) -> Plan:
        if not self.failing(ctx.elapsed_s):
            return plan  # healthy half: a later terminal fault may still decide
        return self.decide(plan, ctx, Status(status=self.status))


def _is_token(name: object) -> bool:
    return isinstance(name, str) and bool(name) and all(
        c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in name
    ) and name.isascii()


def _is_field_value(value: str) -> bool:
    return value.isascii() and "\r" not in value and "\n" not in value
