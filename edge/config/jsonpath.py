"""Reading raw JSON with the path of every value at hand, for one-line errors.

Every accessor raises :class:`~edge.errors.ConfigError` worded as
``FILE: Dotted.Path[0].Field: what is wrong (what is allowed)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from contracts.documents import load_json
from edge.errors import ConfigError

_MISSING = object()


@dataclass(frozen=True)
class Node:
    """A JSON value together with its file and path."""

    source: str
    path: str
    value: Any

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self.path}: {message}")

    def child(self, key: str | int, value: Any) -> Node:
        path = f"{self.path}[{key}]" if isinstance(key, int) else f"{self.path}.{key}"
        return Node(self.source, path, value)

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def get(self, key: str, default: Any = _MISSING) -> Node:
        """The member ``key``; required unless a ``default`` is given."""
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object, got {_kind(self.value)}")
        if key not in self.value:
            if default is _MISSING:
                raise self.child(key, None).error("is required")
            return self.child(key, default)
        return self.child(key, self.value[key])

    def obj(self) -> Node:
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object, got {_kind(self.value)}")
        return self

    def str(self) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, got {_kind(self.value)}")
        return self.value

    def bool(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, got {_kind(self.value)}")
        return self.value

    def int(self, low: int | None = None, high: int | None = None) -> int:
        """An integer, optionally within ``low..high`` inclusive."""
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(f"expected an integer, got {_kind(v)}")
        if (low is not None and v < low) or (high is not None and v > high):
            lo = "" if low is None else str(low)
            hi = "" if high is None else str(high)
            raise self.error(f"{v} is out of range (allowed {lo}..{hi})")
        return v

    def items(self) -> list[Node]:
        """The ``Items`` of an AWS ``{"Quantity": n, "Items": [...]}`` list, checked against n."""
        self.obj()
        quantity = self.get("Quantity").int(0)
        raw = self.get("Items", []).value
        items_node = self.child("Items", raw)
        if not isinstance(raw, list):
            raise items_node.error(f"expected a list, got {_kind(raw)}")
        if len(raw) != quantity:
            raise self.child("Quantity", quantity).error(
                f"{quantity} does not match the {len(raw)} Items given")
        return [items_node.child(i, v) for i, v in enumerate(raw)]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object"


T = TypeVar("T")


def load_each(paths: Sequence[str], wrapper: str, parse: Callable[[Node], T],
              names: Callable[[T], tuple[str, ...]]) -> dict[str, T]:
    """Policy files as ``aws cloudfront get-*-policy`` prints them (``{wrapper: {...}}``, or the
    inner object), each parsed and filed under every name ``names`` gives it (Id and Name)."""
    out: dict[str, T] = {}
    for path in paths:
        raw = load_json(path, path, ConfigError)
        inner = raw.get(wrapper, raw) if isinstance(raw, dict) else raw
        item = parse(Node(path, wrapper, inner).obj())
        for name in names(item):
            out[name] = item
    return out


def managed(ref: str, by_id: Mapping[str, T], by_name: Mapping[str, T]) -> T | None:
    """A managed policy by ID or name (the console's ``Managed-`` prefix optional), else None."""
    return by_id.get(ref) or by_name.get(ref) or by_name.get(ref.removeprefix("Managed-"))
