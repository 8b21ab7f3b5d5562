"""``events.jsonl``: one JSON object per lifecycle event and step of a run (kinds: contracts/events.py).

``{"ts": epoch, "t": seconds since load-start (null before it), "kind": ..., "target": ...,
"params": {...}, "ok": true}``; steps that open a fault window add ``fault_id`` and
``fault_edge: "start"``, the step that closes it the same ``fault_id`` and ``"end"``.
Each line is flushed as it is written: the file is the run's record even after a crash.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from contracts.events import KINDS
from scenarios.spec import steps as st


class FaultWindows:
    """Numbers fault windows: one open window per target at a time (pure, no IO)."""

    def __init__(self) -> None:
        self.open: dict[str, int] = {}
        self.next_id = 0

    def edge(self, action: str, target: str) -> dict[str, Any]:
        """The ``fault_id``/``fault_edge`` keys of a successful step (empty when none)."""
        if st.opens_window(action) and target not in self.open:
            self.open[target] = self.next_id
            self.next_id += 1
            return {"fault_id": self.open[target], "fault_edge": "start"}
        if st.closes_window(action) and target in self.open:
            return {"fault_id": self.open.pop(target), "fault_edge": "end"}
        return {}


class EventLog:
    """Appends events to ``path``; ``load_start`` (epoch s) anchors every ``t``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.load_start: float | None = None
        self.windows = FaultWindows()
        self.labels: dict[int, str] = {}  # fault_id -> what opened it, for the progress line
        self.states: list[tuple[float, str]] = [(0.0, "")]  # (ts, open windows from then on)
        self.kinds: list[str] = []
        self._file = open(path, "a", encoding="utf-8")

    def record(self, kind: str, target: str | None = None, params: dict[str, Any] | None = None,
               ok: bool = True, ts: float | None = None, **extra: Any) -> dict[str, Any]:
        if kind not in KINDS:  # every kind is declared once, in contracts/events.py
            raise ValueError(f"undeclared event kind {kind!r}")
        ts = time.time() if ts is None else ts
        t = round(ts - self.load_start, 3) if self.load_start is not None else None
        event = {"ts": round(ts, 6), "t": t, "kind": kind, "target": target,
                 "params": params or {}, "ok": ok, **extra}
        if not self._file.closed:
            self._file.write(json.dumps(event, default=str) + "\n")
            self._file.flush()
        self.kinds.append(kind)
        return event

    def step(self, action: str, target: str, params: dict[str, Any], ok: bool,
             ts: float | None = None) -> dict[str, Any]:
        """Record a step; a successful one opens or closes its target's fault window. ``ts``:
        when the step was sent (what it causes can only come after that)."""
        edge = self.windows.edge(action, target) if ok else {}
        if edge.get("fault_edge") == "start":
            label = str(params.get("type")) if action == "fault" else action
            value = next((params[k] for k in ("status", "ms", "bytes_per_s", "period_ms") if k in params), None)
            if action == "fault" and value is not None:
                label += f" {value}{' ms' if 'ms' in params and value == params['ms'] else ''}"
            chance = params.get("probability")
            if isinstance(chance, (int, float)) and chance < 1:
                label += f", {chance * 100:g} % of requests"
            self.labels[edge["fault_id"]] = f"{target} ({label})"
        event = self.record(action, target, params, ok, ts=ts, **edge)
        if edge:
            self.note_windows(event["ts"])
        return event

    def open_windows(self) -> str:
        return ", ".join(f"fault {fid} on {self.labels.get(fid, target)}"
                         for target, fid in self.windows.open.items())

    def note_windows(self, ts: float) -> None:
        """Remember the open windows from ``ts`` on (call after a step opened or closed one)."""
        self.states.append((ts, self.open_windows()))

    def state_during(self, lo: float, hi: float) -> str:
        """The fault windows during ``[lo, hi)`` as the progress line says them: the state at
        ``lo``, and each change inside the second with its time since load start."""
        before = [label for ts, label in self.states if ts <= lo]
        text = before[-1] if before else ""
        for ts, label in self.states:
            if lo < ts < hi:
                at = ts - (self.load_start or 0.0)
                text = f"{text or 'steady'} -> {label or 'steady'} at {at:.1f} s"
        return text

    def close(self) -> None:
        self._file.close()
