"""The fault envelope (name, probability, paths) and the registry of fault types."""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, fields
from fnmatch import fnmatchcase
from typing import Any, Mapping

from origins.errors import FaultSpecError
from origins.faults.base import PREFIX, Effect, get_float
from origins.faults.connection import Hang, Reset, Truncate
from origins.faults.refuse import Refuse
from origins.faults.shaping import Bandwidth, Latency, SlowHeaders
from origins.faults.status import Flap, Status
from origins.faults.tls import Tls

REGISTRY: dict[str, type[Effect]] = {
    cls.type: cls
    for cls in sorted(
        (Status, Latency, Hang, Refuse, Reset, Truncate, Bandwidth, SlowHeaders, Flap, Tls),
        key=lambda c: c.type,
    )
}

ENVELOPE = ("name", "type", "probability", "paths")


def required_attributes() -> dict[str, tuple[str, ...]]:
    """Each fault type and the attributes it cannot do without (the Chaos tab's form)."""
    return {name: tuple(f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING)  # type: ignore[arg-type]
            for name, cls in REGISTRY.items()}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Fault:
    """One active fault: its envelope and its typed effect."""

    name: str
    effect: Effect
    probability: float = 1.0
    paths: tuple[str, ...] | None = None

    @property
    def type(self) -> str:
        return self.effect.type

    def matches(self, path: str) -> bool:
        return self.paths is None or any(fnmatchcase(path, glob) for glob in self.paths)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "probability": self.probability,
            "paths": list(self.paths) if self.paths is not None else None,
            **self.effect.to_json(),
        }


def parse_fault(body: Any) -> tuple[str | None, Fault]:
    """Validate a fault JSON object. Returns (explicit name or None, fault named by type).

    The caller (the store) assigns the final name when none was given.
    Raises :class:`FaultSpecError` naming the field and what is allowed.
    """
    if not isinstance(body, Mapping):
        raise FaultSpecError(f"{PREFIX}: must be a JSON object, got {type(body).__name__}")
    type_name = body.get("type")
    if type_name is None:
        raise FaultSpecError(f"{PREFIX}.type: required (known: {', '.join(REGISTRY)})")
    cls = REGISTRY.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise FaultSpecError(f"{PREFIX}.type: unknown fault {type_name!r} (known: {', '.join(REGISTRY)})")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not _NAME.match(name)):
        raise FaultSpecError(
            f"{PREFIX}.name: must be 1-64 characters of letters, digits, '.', '_', '-', got {name!r}"
        )
    probability = get_float(body, "probability", 0.0, 1.0, 1.0)
    paths = _parse_paths(body.get("paths"))
    if not cls.per_request:
        if paths is not None:
            raise FaultSpecError(f"{PREFIX}.paths: not allowed for '{cls.type}' (it acts on the whole listener)")
        if probability != 1.0:
            raise FaultSpecError(
                f"{PREFIX}.probability: not allowed for '{cls.type}' (it acts on the whole listener)"
            )
    effect = cls.from_json({k: v for k, v in body.items() if k not in ENVELOPE})
    return name, Fault(name=name or cls.type, effect=effect, probability=probability, paths=paths)


def _parse_paths(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    globs = [raw] if isinstance(raw, str) else raw
    if not isinstance(globs, list) or not globs:
        raise FaultSpecError(f"{PREFIX}.paths: must be a glob or a non-empty list of globs, got {raw!r}")
    for i, glob in enumerate(globs):
        if not isinstance(glob, str) or not glob.startswith(("/", "*")):
            raise FaultSpecError(f"{PREFIX}.paths[{i}]: must be a glob starting with '/' or '*', got {glob!r}")
    return tuple(globs)
