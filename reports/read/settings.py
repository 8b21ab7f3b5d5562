"""What a report reads from ``scenario.yaml``: name, thresholds, steady state, grace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts.defaults import ERROR_GRACE_S, SUCCESS_RATIO
from reports.errors import RunFolderError


@dataclass(frozen=True)
class Settings:
    """What the report reads from ``scenario.yaml``."""

    name: str
    expect: dict[str, Any] = field(default_factory=dict)
    success_ratio: float = SUCCESS_RATIO
    error_grace_s: float = ERROR_GRACE_S
    text: str = ""


def read_settings(path: Path, default_name: str) -> Settings:
    """Name, expect, steady-state ratio and error grace from ``scenario.yaml`` (optional)."""
    if not path.exists():
        return Settings(name=default_name)
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" line {line + 1}:" if line is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise RunFolderError(f"{path}:{where} not valid YAML ({problem})") from None
    if not isinstance(doc, dict):
        raise RunFolderError(f"{path}: expected a mapping at the top level")
    expect = doc.get("expect") or {}
    if not isinstance(expect, dict):
        raise RunFolderError(f"{path}: expect: must be a mapping of metric path -> condition")
    return Settings(
        name=str(doc.get("name") or default_name),
        expect=dict(expect),
        success_ratio=_number(doc, ("steady_state", "success_ratio"), SUCCESS_RATIO, path),
        error_grace_s=_number(doc, ("report", "error_grace_s"), ERROR_GRACE_S, path),
        text=text,
    )


def _number(doc: dict[str, Any], keys: tuple[str, str], default: float, path: Path) -> float:
    section = doc.get(keys[0]) or {}
    value = section.get(keys[1], default) if isinstance(section, dict) else default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RunFolderError(f"{path}: {'.'.join(keys)}: must be a number, got {value!r}")
    return float(value)
