"""A scenario, validated: what load to run, what to break when, and what must hold.

Built by :func:`scenarios.spec.loader.load_scenario` from a YAML file; nothing downstream ever
looks at the raw YAML again. Step times written as percentages stay percentages here
(:class:`~scenarios.spec.durations.StepTime`) so that :meth:`Scenario.with_overrides` can move
them when ``--duration`` changes the run's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contracts.defaults import ERROR_GRACE_S, PROBE_INTERVAL_MS
from scenarios.errors import ScenarioInputError
from scenarios.spec.durations import StepTime
from scenarios.spec.rules import AbortRule, SteadyState
from scenarios.spec.stack_args import StackArgs

if TYPE_CHECKING:
    from scenarios.spec.remote_config import RemoteSetup

MAX_USERS = 2000          # one machine, loopback: more would measure Locust, not the edge
MAX_SPAWN_RATE = MAX_USERS  # every user can start in the first second
MAX_ARRIVAL_RATE = 20_000.0  # open model: what MAX_USERS closed viewers could ask at most
MAX_DURATION_S = 3600.0   # every run is bounded in time
MAX_REPEAT = 50


@dataclass(frozen=True)
class Stage:
    """One load stage: ramp to ``users`` viewers at ``spawn_rate``/s, hold until ``duration_s`` ends."""

    users: int
    spawn_rate: float
    duration_s: float

    def __repr__(self) -> str:
        return f"Stage({self.users} users at {self.spawn_rate:g}/s for {self.duration_s:g} s)"


@dataclass(frozen=True)
class LoadProfile:
    """Locust's load: ``users`` viewers (plus one probe) for ``duration_s`` seconds."""

    users: int = 20
    spawn_rate: float = 20.0
    duration_s: float = 60.0
    probe_interval_ms: int = PROBE_INTERVAL_MS
    catalogue_size: int = 200
    stages: tuple[Stage, ...] = ()  # when set, users/spawn_rate/duration_s follow from them
    arrival_rate: float = 0.0  # > 0: the open model, this many viewer requests a second
    max_in_flight: int = 1000  # open model: waiting requests before further ones are dropped

    def __repr__(self) -> str:
        shape = f"stages {list(self.stages)}" if self.stages else (
            f"{self.arrival_rate:g} requests/s (open model)" if self.arrival_rate else
            f"{self.users} users at {self.spawn_rate:g}/s")
        return (f"LoadProfile({shape} for {self.duration_s:g} s, "
                f"probe every {self.probe_interval_ms} ms, {self.catalogue_size} objects)")

    def scaled_to(self, duration_s: float) -> LoadProfile:
        """The same profile lasting ``duration_s``; stages keep their proportions."""
        if not self.stages:
            return replace(self, duration_s=duration_s)
        factor = duration_s / self.duration_s
        stages = tuple(replace(s, duration_s=round(s.duration_s * factor, 3)) for s in self.stages)
        return replace(self, duration_s=duration_s, stages=stages)


@dataclass(frozen=True)
class Step:
    """One action on one origin at one time (see :mod:`scenarios.spec.steps` for the actions)."""

    at: StepTime
    at_s: float
    action: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)  # the fault, or {"name": ...} for clear
    index: int = 0

    def describe(self) -> str:
        if self.action == "invalidate":
            return f"invalidate {' '.join(self.params.get('paths', []))} on the edge"
        if self.action == "fault" and "function" in self.params:
            return f"fault {self.params.get('type')} on the edge's function {self.params['function']}"
        if self.action == "fault":
            return f"{self.action} {self.params.get('type')} on {self.target}"
        return f"{self.action} {self.target}"

    def action_dict(self) -> dict[str, Any]:
        """The step as written in a scenario file, without its time."""
        if self.action == "fault":
            return {"fault": {"target": self.target, **self.params}}
        if self.action == "invalidate":
            return {"invalidate": list(self.params.get("paths", []))}
        if self.action == "clear" and self.params:
            return {"clear": {"target": self.target, **self.params}}
        if self.action == "control":
            return {"control": {"target": self.target, **self.params}}
        return {self.action: self.target}

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at_s, **self.action_dict()}


@dataclass(frozen=True)
class Variant:
    """The same scenario on another distribution and/or with other thresholds (run side by side)."""

    name: str
    distribution: Path
    origin_ids: tuple[str, ...]
    expect: tuple[tuple[str, str], ...] = ()  # merged over the scenario's own, metric by metric


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
    steady_state: SteadyState = SteadyState()
    error_grace_s: float = ERROR_GRACE_S
    expect: tuple[tuple[str, str], ...] = ()
    regression: bool = False
    abort: tuple[AbortRule, ...] = ()
    rollback: tuple[Step, ...] = ()  # run at teardown, always, when the origin's state allows
    stack_args: StackArgs = StackArgs()  # extra process arguments (scenarios/spec/stack_args.py)
    repeat: int = 1
    variants: tuple[Variant, ...] = ()
    remote: RemoteSetup | None = None  # target and remote origins (scenarios/spec/remote_config.py)

    def variant(self, variant: Variant) -> Scenario:
        """This scenario as ``variant`` runs it (a single run, no variants of its own)."""
        expect = dict(self.expect)
        expect.update(dict(variant.expect))
        return replace(self, name=f"{self.name}-{variant.name}", distribution=variant.distribution,
                       origin_ids=variant.origin_ids, expect=tuple(expect.items()), variants=())

    @property
    def success_ratio(self) -> float:
        return self.steady_state.success_ratio

    def uses(self, action: str) -> list[Step]:
        """The steps (timeline and rollback) that carry out ``action``."""
        return [s for s in (*self.steps, *self.rollback) if s.action == action]

    def with_overrides(self, *, duration_s: float | None = None, users: int | None = None,
                       repeat: int | None = None, spawn_rate: float | None = None) -> Scenario:
        """The same scenario with another duration, user count, spawn rate or repeat count;
        percentages re-resolve and load stages keep their proportions."""
        load = self.load
        if load.arrival_rate and (users is not None or spawn_rate is not None):
            flag = "--users" if users is not None else "--spawn-rate"
            raise ScenarioInputError(f"{flag}: {self.source} uses the open model (load.model: open); "
                                     "change load.rate in the file")
        if spawn_rate is not None:
            if not 0.1 <= spawn_rate <= MAX_SPAWN_RATE:
                raise ScenarioInputError(
                    f"--spawn-rate: must be within 0.1..{MAX_SPAWN_RATE}, got {spawn_rate:g}")
            if load.stages:
                raise ScenarioInputError(
                    f"--spawn-rate: {self.source} has load stages; change their spawn_rate in the file")
            load = replace(load, spawn_rate=float(spawn_rate))
        if users is not None:
            if not 1 <= users <= MAX_USERS:
                raise ScenarioInputError(f"--users: must be within 1..{MAX_USERS}, got {users}")
            if load.stages:
                raise ScenarioInputError(
                    f"--users: {self.source} has load stages; change their users in the file")
            rate = load.spawn_rate if spawn_rate is not None else min(load.spawn_rate, float(users))
            load = replace(load, users=users, spawn_rate=rate or 1.0)
        if duration_s is not None:
            if not 0 < duration_s <= MAX_DURATION_S:
                raise ScenarioInputError(
                    f"--duration: must be within 0..{MAX_DURATION_S:g} s, got {duration_s:g}")
            load = load.scaled_to(duration_s)
        if repeat is not None and not 1 <= repeat <= MAX_REPEAT:
            raise ScenarioInputError(f"--repeat: must be within 1..{MAX_REPEAT}, got {repeat}")
        steps = tuple(sorted((replace(s, at_s=s.at.resolve(load.duration_s)) for s in self.steps),
                             key=lambda s: (s.at_s, s.index)))
        return replace(self, load=load, steps=steps, repeat=self.repeat if repeat is None else repeat)

    def late_step(self) -> Step | None:
        """The first step that falls after the end of the run, if any (such a run is refused)."""
        return next((s for s in self.steps if s.at_s > self.load.duration_s), None)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as run (times in seconds), for the run folder's ``scenario.yaml``."""
        load: dict[str, Any] = {
            "users": self.load.users,
            "spawn_rate": self.load.spawn_rate,
            "duration": self.load.duration_s,
            "probe_interval": f"{self.load.probe_interval_ms}ms",
            "catalogue_size": self.load.catalogue_size,
        }
        if self.load.arrival_rate:
            load["model"] = "open"
            load["rate"] = self.load.arrival_rate
            load["max_in_flight"] = self.load.max_in_flight
        if self.load.stages:
            load["stages"] = [{"users": s.users, "spawn_rate": s.spawn_rate, "duration": s.duration_s}
                              for s in self.load.stages]
        steady = self.steady_state
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "distribution": str(self.distribution),
            "origins": list(self.origin_ids),
            "load": load,
            "steps": [s.to_dict() for s in self.steps],
            "rollback": [s.action_dict() for s in self.rollback],
            "steady_state": {"success_ratio": steady.success_ratio, "window": steady.window_s,
                             "min_requests": steady.min_requests,
                             "checks": {c.metric: str(c.condition) for c in steady.checks}},
            "abort": [{"metric": r.check.metric, "condition": str(r.check.condition),
                       "window": r.window_s, "min_requests": r.min_requests} for r in self.abort],
            "report": {"error_grace_s": self.error_grace_s},
            "expect": dict(self.expect),
            "repeat": self.repeat,
            "variants": [{"name": v.name, "distribution": str(v.distribution), "expect": dict(v.expect)}
                         for v in self.variants],
            "regression": self.regression,
            "stack": self.stack_args.to_dict(),
            **({"remote": self.remote.to_dict()} if self.remote else {}),
        }
