"""A scenario, validated: what load to run, what to break when, and what must hold.

Built by :func:`scenarios.loader.load_scenario` from a YAML file; nothing downstream ever
looks at the raw YAML again. Step times written as percentages stay percentages here
(:class:`~scenarios.durations.StepTime`) so that :meth:`Scenario.with_overrides` can move
them when ``--duration`` changes the run's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scenarios.durations import StepTime
from scenarios.errors import ScenarioInputError

MAX_USERS = 2000          # one machine, loopback: more would measure Locust, not the edge
MAX_DURATION_S = 3600.0   # every run is bounded in time


@dataclass(frozen=True)
class LoadProfile:
    """Locust's load: ``users`` viewers (plus one probe) for ``duration_s`` seconds."""

    users: int = 20
    spawn_rate: float = 20.0
    duration_s: float = 60.0
    probe_interval_ms: int = 100
    catalogue_size: int = 200

    def __repr__(self) -> str:
        return (f"LoadProfile({self.users} users at {self.spawn_rate:g}/s for {self.duration_s:g} s, "
                f"probe every {self.probe_interval_ms} ms, {self.catalogue_size} objects)")


@dataclass(frozen=True)
class Step:
    """One action on one origin at one time (see :mod:`scenarios.steps` for the actions)."""

    at: StepTime
    at_s: float
    action: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)  # the fault, or {"name": ...} for clear
    index: int = 0

    def describe(self) -> str:
        if self.action == "fault":
            return f"{self.action} {self.params.get('type')} on {self.target}"
        return f"{self.action} {self.target}"

    def to_dict(self) -> dict[str, Any]:
        if self.action == "fault":
            return {"at": self.at_s, "fault": {"target": self.target, **self.params}}
        if self.action == "clear" and self.params:
            return {"at": self.at_s, "clear": {"target": self.target, **self.params}}
        return {"at": self.at_s, self.action: self.target}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``steps`` are sorted by time."""

    name: str
    source: str
    description: str
    distribution: Path
    origin_ids: tuple[str, ...]
    load: LoadProfile
    steps: tuple[Step, ...] = ()
    success_ratio: float = 0.99
    error_grace_s: float = 5.0
    expect: tuple[tuple[str, str], ...] = ()
    regression: bool = False

    def with_overrides(self, *, duration_s: float | None = None, users: int | None = None) -> Scenario:
        """The same scenario with another duration and/or user count; percentages re-resolve."""
        load = self.load
        if users is not None:
            if not 1 <= users <= MAX_USERS:
                raise ScenarioInputError(f"--users: must be within 1..{MAX_USERS}, got {users}")
            load = replace(load, users=users, spawn_rate=min(load.spawn_rate, float(users)) or 1.0)
        if duration_s is not None:
            if not 0 < duration_s <= MAX_DURATION_S:
                raise ScenarioInputError(
                    f"--duration: must be within 0..{MAX_DURATION_S:g} s, got {duration_s:g}")
            load = replace(load, duration_s=duration_s)
        steps = tuple(sorted((replace(s, at_s=s.at.resolve(load.duration_s)) for s in self.steps),
                             key=lambda s: (s.at_s, s.index)))
        return replace(self, load=load, steps=steps)

    def late_step(self) -> Step | None:
        """The first step that falls after the end of the run, if any (such a run is refused)."""
        return next((s for s in self.steps if s.at_s > self.load.duration_s), None)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as run (times in seconds), for the run folder's ``scenario.yaml``."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "distribution": str(self.distribution),
            "origins": list(self.origin_ids),
            "load": {
                "users": self.load.users,
                "spawn_rate": self.load.spawn_rate,
                "duration": self.load.duration_s,
                "probe_interval": f"{self.load.probe_interval_ms}ms",
                "catalogue_size": self.load.catalogue_size,
            },
            "steps": [s.to_dict() for s in self.steps],
            "steady_state": {"success_ratio": self.success_ratio},
            "report": {"error_grace_s": self.error_grace_s},
            "expect": dict(self.expect),
            "regression": self.regression,
        }
