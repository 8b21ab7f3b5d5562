"""The run's timeline from ``events.jsonl``: lifecycle events, status and fault windows.

A fault window opens at the step with ``fault_edge: "start"`` and closes at the step with
the same ``fault_id`` and ``fault_edge: "end"``; only these two keys count. A window never
closed ends when the load ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.errors import RunFolderError


@dataclass(frozen=True)
class FaultWindow:
    """A fault as the timeline saw it; ``t0``/``t1`` are seconds since load start."""

    id: int
    target: str
    kind: str
    t0: float
    t1: float
    closed: bool
    detail: str = ""
    end_kind: str = ""  # the step that closed the window ("restart", "clear"), "" if none did

    @property
    def label(self) -> str:
        """Short text for chart annotations, e.g. ``#0 primary kill``."""
        what = f"{self.kind} {self.detail}".strip()
        return f"#{self.id} {self.target} {what}".strip()


def read_events(path: Path) -> list[dict[str, Any]]:
    """Events in file order; a truncated last line is dropped, other bad lines are errors."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                break  # the writer died mid-line
            raise RunFolderError(f"{path}:{number}: not a JSON object") from None
        if not isinstance(event, dict) or not isinstance(event.get("ts"), (int, float)):
            raise RunFolderError(f"{path}:{number}: expected an object with a numeric 'ts'")
        events.append(event)
    return events


def first_ts(events: list[dict[str, Any]], kind: str) -> float | None:
    return next((float(e["ts"]) for e in events if e.get("kind") == kind), None)


def run_status(events: list[dict[str, Any]]) -> str:
    for event in events:
        if event.get("kind") == "run-end":
            params = event.get("params") or {}
            return str(params.get("status") or "completed")
    return "interrupted"


def fault_windows(events: list[dict[str, Any]], start: float, end_t: float) -> list[FaultWindow]:
    """Fault windows from ``fault_id``/``fault_edge``; one never closed ends at ``end_t``."""
    opened: dict[int, dict[str, Any]] = {}
    closed: dict[int, float] = {}
    closers: dict[int, str] = {}
    for event in events:
        fault_id, edge = event.get("fault_id"), event.get("fault_edge")
        if not isinstance(fault_id, int) or isinstance(fault_id, bool):
            continue
        if edge == "start" and fault_id not in opened:
            opened[fault_id] = event
        elif edge == "end" and fault_id not in closed:
            closed[fault_id] = float(event["ts"]) - start
            closers[fault_id] = str(event.get("kind") or "")
    windows = []
    for fault_id in sorted(opened):
        event = opened[fault_id]
        t0 = float(event["ts"]) - start
        params = event.get("params") or {}
        detail = _describe(params) if isinstance(params, dict) else ""
        t1 = closed.get(fault_id, max(end_t, t0))
        windows.append(FaultWindow(fault_id, str(event.get("target") or ""),
                                   str(event.get("kind") or ""), t0, t1,
                                   fault_id in closed, detail, closers.get(fault_id, "")))
    return windows


def _describe(params: dict[str, Any]) -> str:
    """A few words about a fault step's parameters, e.g. ``status 503``."""
    kind = params.get("type")
    if not kind:
        return ""
    if params.get("function"):  # a fault on the edge's CloudFront function
        return f"{kind} in function {params['function']}"
    value = next((params[k] for k in ("status", "ms", "latency_ms", "bytes_per_s", "certificate")
                  if k in params), None)
    text = f"{kind} {value}" if value is not None else str(kind)
    chance = params.get("probability")
    if isinstance(chance, (int, float)) and not isinstance(chance, bool) and chance < 1:
        text += f" on {chance * 100:g} % of requests"  # a partial fault says how partial
    return text
