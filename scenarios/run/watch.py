"""Watching a run as it happens: ``requests.csv`` tailed into a sliding window, abort rules
and steady-state checks evaluated on it, and the progress line's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios.run.progress import RequestsTail, Window, count_rows
from scenarios.spec.rules import FLUSH_LAG_S, AbortRule, SteadyState
from scenarios.spec.window import SlidingWindow, parse_row

HORIZON_MARGIN_S = 5.0


@dataclass(frozen=True)
class SteadyResult:
    """One steady-state check: which phase, over which rows, and what fell short."""

    phase: str  # "before" the first fault or "after" the last one
    lo: float
    hi: float
    values: dict[str, float | None]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def params(self, load_start: float) -> dict[str, Any]:
        return {"phase": self.phase, "from_t": round(self.lo - load_start, 3),
                "to_t": round(self.hi - load_start, 3),
                "values": {k: (round(v, 4) if v is not None else None) for k, v in self.values.items()},
                "problems": list(self.problems)}

    def line(self) -> str:
        verdict = "holds" if self.ok else "FAILED: " + "; ".join(self.problems)
        return f"steady state {self.phase} the faults {verdict}"


class Watch:
    """Reads new request rows on each :meth:`poll` and keeps the last minutes of them."""

    def __init__(self, csv_path: Path, steady: SteadyState, abort: tuple[AbortRule, ...]) -> None:
        self.tail = RequestsTail(csv_path)
        self.steady = steady
        self.abort = abort
        horizon = max([steady.window_s, *(r.window_s for r in abort)]) + FLUSH_LAG_S + HORIZON_MARGIN_S
        self.window = SlidingWindow(horizon)

    def poll(self) -> Window:
        """Read the rows appended since the last call; their tally is the progress line's."""
        lines = self.tail.read_lines()
        for line in lines:
            row = parse_row(line)
            if row is not None:
                self.window.add(row)
        window = count_rows(lines)
        self.tail.count(window)
        return window

    def abort_reason(self, now: float) -> str | None:
        for rule in self.abort:
            reason = rule.triggered(self.window, now)
            if reason:
                return reason
        return None

    def check_steady(self, phase: str, lo: float, hi: float) -> SteadyResult:
        """The steady state over rows sent in ``[lo, hi)`` (call :meth:`poll` first)."""
        values = self.window.metrics(lo, hi)
        return SteadyResult(phase, lo, hi, values, tuple(self.steady.failures(values)))
