"""Rules evaluated on a sliding window of viewer requests during a run (pure, no IO).

* :class:`SteadyState` — what "healthy" means for this scenario. Checked over the window
  before the first fault opens and over the window after the last one closes; a failed check
  marks the run ``deviated`` (the experiment did not start from, or return to, a known state).
* :class:`AbortRule` — a condition that ends the run early, e.g. "error ratio over the last
  10 s > 50 %": the load stops, the teardown and the report run as usual, status ``failed``.

Both name window metrics (:data:`scenarios.spec.window.WINDOW_METRICS`) and use the conditions
of ``expect`` (``"< 250"``, ``">= 0.99"``, ``"0.5..2.0"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.defaults import SUCCESS_RATIO
from reports.metrics.thresholds import Condition
from scenarios.spec.window import SlidingWindow

# Rows are logged when a request completes and flushed about once a second: the newest
# second of a window is always incomplete, so every window ends this long before "now".
FLUSH_LAG_S = 1.5


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


@dataclass(frozen=True)
class WindowCheck:
    """One window metric and the condition it must meet."""

    metric: str
    condition: Condition

    def failure(self, values: dict[str, float | None]) -> str | None:
        """Why ``values`` fail this check, or None when they pass."""
        value = values.get(self.metric)
        if value is None:
            return f"{self.metric} could not be computed"
        if not self.condition.holds(value):
            return f"{self.metric} {_fmt(value)} is not {self.condition}"
        return None

    def __str__(self) -> str:
        return f"{self.metric} {self.condition}"


@dataclass(frozen=True)
class AbortRule:
    """End the run when ``check`` holds over the last ``window_s`` seconds (with enough rows)."""

    check: WindowCheck
    window_s: float = 10.0
    min_requests: int = 20

    def triggered(self, window: SlidingWindow, now: float) -> str | None:
        """A one-line reason to abort now, or None."""
        hi = now - FLUSH_LAG_S
        values = window.metrics(hi - self.window_s, hi)
        if (values["requests"] or 0) < self.min_requests:
            return None
        value = values.get(self.check.metric)
        if value is None or not self.check.condition.holds(value):
            return None
        return (f"{self.check.metric} over the last {self.window_s:g} s was {_fmt(value)} "
                f"({self.check.condition})")

    def __repr__(self) -> str:
        return f"AbortRule({self.check} over {self.window_s:g} s, at least {self.min_requests} requests)"


@dataclass(frozen=True)
class SteadyState:
    """What a healthy stack looks like over a window of ``window_s`` seconds."""

    success_ratio: float = SUCCESS_RATIO
    window_s: float = 5.0
    min_requests: int = 10
    checks: tuple[WindowCheck, ...] = ()

    def failures(self, values: dict[str, float | None]) -> list[str]:
        """Every way ``values`` (window metrics) fall short of the steady state."""
        requests = int(values.get("requests") or 0)
        if requests < self.min_requests:
            return [f"only {requests} requests in the window (at least {self.min_requests} needed)"]
        problems = []
        ratio = values.get("success_ratio")
        if ratio is None or ratio < self.success_ratio:
            problems.append(f"success ratio {_fmt(ratio)} is below {self.success_ratio:g}")
        problems.extend(p for c in self.checks if (p := c.failure(values)) is not None)
        return problems

    def __repr__(self) -> str:
        extra = "".join(f", {c}" for c in self.checks)
        return f"SteadyState(success ratio >= {self.success_ratio:g} over {self.window_s:g} s{extra})"
