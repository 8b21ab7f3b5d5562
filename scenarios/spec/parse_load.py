"""The ``load``, ``steady_state`` and ``abort`` sections of a scenario file, validated.

::

    load: {users: 20, spawn_rate: 20, duration: 60s, probe_interval: 100ms, catalogue_size: 200}
    load:                                   # or stages, like Locust's LoadTestShape
      stages:
        - {users: 10, spawn_rate: 10, duration: 20s}
        - {users: 40, spawn_rate: 20, duration: 20s}
    steady_state: {success_ratio: 0.99, window: 5s, min_requests: 10,
                   checks: {latency_ms.p95: "< 250"}}
    abort:
      - {metric: error_ratio, condition: "> 0.5", window: 10s, min_requests: 20}
"""

from __future__ import annotations

from typing import Any

from contracts.defaults import PROBE_INTERVAL_MS, SUCCESS_RATIO
from scenarios.spec.fields import Checker
from scenarios.spec.model import MAX_ARRIVAL_RATE, MAX_DURATION_S, MAX_SPAWN_RATE, MAX_USERS, LoadProfile, Stage
from scenarios.spec.rules import AbortRule, SteadyState, WindowCheck
from scenarios.spec.window import WINDOW_METRICS

LOAD_KEYS = ("users", "spawn_rate", "duration", "probe_interval", "catalogue_size", "stages", "model",
             "rate", "max_in_flight")
MODELS = ("closed", "open")
STAGE_KEYS = ("users", "spawn_rate", "duration")
STEADY_KEYS = ("success_ratio", "window", "min_requests", "checks")
ABORT_KEYS = ("metric", "condition", "window", "min_requests")
MAX_WINDOW_S = 600.0


def _stages(raw: Any, check: Checker) -> tuple[Stage, ...]:
    items = check.sequence(raw, ("load", "stages"), "stages like {users: 10, duration: 20s}")
    if not items:
        raise check.fail(("load", "stages"), "needs at least one stage")
    stages = []
    for i, item in enumerate(items):
        path = ("load", "stages", i)
        stage = check.mapping(item, path, STAGE_KEYS)
        if "duration" not in stage:
            raise check.fail(path, "missing 'duration' (how long this stage lasts, e.g. '20s')")
        users = int(check.number(stage.get("users", 20), (*path, "users"), 1, MAX_USERS, integer=True))
        rate = float(check.number(stage.get("spawn_rate", users), (*path, "spawn_rate"), 0.1, MAX_SPAWN_RATE))
        seconds = check.duration(stage["duration"], (*path, "duration"), 1, MAX_DURATION_S)
        stages.append(Stage(users=users, spawn_rate=rate, duration_s=seconds))
    if sum(s.duration_s for s in stages) > MAX_DURATION_S:
        raise check.fail(("load", "stages"), f"stages last more than {MAX_DURATION_S:g} s in total")
    return tuple(stages)


def parse_load(raw: Any, check: Checker) -> LoadProfile:
    load = check.mapping(raw if raw is not None else {}, ("load",), LOAD_KEYS)
    probe_s = check.duration(load.get("probe_interval", f"{PROBE_INTERVAL_MS}ms"), ("load", "probe_interval"), 0.01, 60)
    catalogue = int(check.number(load.get("catalogue_size", 200), ("load", "catalogue_size"),
                                 1, 1_000_000, integer=True))
    probe_interval_ms = int(round(probe_s * 1000))
    if "stages" in load:
        for key in ("users", "spawn_rate", "duration"):
            if key in load:
                raise check.fail(("load", key), "goes in each stage when load.stages is given")
        stages = _stages(load["stages"], check)
        return LoadProfile(users=max(s.users for s in stages), spawn_rate=stages[0].spawn_rate,
                           duration_s=round(sum(s.duration_s for s in stages), 3), stages=stages,
                           probe_interval_ms=probe_interval_ms, catalogue_size=catalogue)
    model = load.get("model", "closed")
    if model not in MODELS:
        raise check.fail(("load", "model"), f"must be one of {', '.join(MODELS)}, got {model!r}")
    if model == "open":
        return _open_model(load, check, probe_interval_ms, catalogue)
    for key in ("rate", "max_in_flight"):
        if key in load:
            raise check.fail(("load", key), "only with model: open (the closed model takes users)")
    users = int(check.number(load.get("users", 20), ("load", "users"), 1, MAX_USERS, integer=True))
    duration = check.duration(load.get("duration", "60s"), ("load", "duration"), 1, MAX_DURATION_S)
    spawn_rate = float(check.number(load.get("spawn_rate", users), ("load", "spawn_rate"), 0.1, MAX_SPAWN_RATE))
    return LoadProfile(users=users, spawn_rate=spawn_rate, duration_s=duration,
                       probe_interval_ms=probe_interval_ms, catalogue_size=catalogue)


def _window_check(metric: Any, condition: Any, metric_path: tuple[Any, ...],
                  condition_path: tuple[Any, ...], check: Checker) -> WindowCheck:
    name = check.choice(metric, metric_path, WINDOW_METRICS, "window metric")
    return WindowCheck(name, check.condition(condition, condition_path))


def parse_steady_state(raw: Any, check: Checker) -> SteadyState:
    steady = check.mapping(raw if raw is not None else {}, ("steady_state",), STEADY_KEYS)
    checks = []
    for metric, condition in check.mapping(steady.get("checks") or {}, ("steady_state", "checks"),
                                           None).items():
        path = ("steady_state", "checks", str(metric))
        checks.append(_window_check(metric, condition, path, path, check))
    return SteadyState(
        success_ratio=float(check.number(steady.get("success_ratio", SUCCESS_RATIO),
                                         ("steady_state", "success_ratio"), 0, 1)),
        window_s=check.duration(steady.get("window", "5s"), ("steady_state", "window"), 1, MAX_WINDOW_S),
        min_requests=int(check.number(steady.get("min_requests", 10), ("steady_state", "min_requests"),
                                      0, 1_000_000, integer=True)),
        checks=tuple(checks))


def parse_abort(raw: Any, check: Checker) -> tuple[AbortRule, ...]:
    rules = []
    items = check.sequence(raw, ("abort",), "rules like {metric: error_ratio, condition: '> 0.5', window: 10s}")
    for i, item in enumerate(items):
        path = ("abort", i)
        rule = check.mapping(item, path, ABORT_KEYS)
        for key in ("metric", "condition"):
            if key not in rule:
                raise check.fail(path, f"missing '{key}'")
        rules.append(AbortRule(
            check=_window_check(rule["metric"], rule["condition"], (*path, "metric"), (*path, "condition"), check),
            window_s=check.duration(rule.get("window", "10s"), (*path, "window"), 1, MAX_WINDOW_S),
            min_requests=int(check.number(rule.get("min_requests", 20), (*path, "min_requests"),
                                          1, 1_000_000, integer=True))))
    return tuple(rules)


def _open_model(load: dict[str, Any], check: Checker, probe_interval_ms: int, catalogue: int) -> LoadProfile:
    """``model: open``: ``rate`` requests a second, due on a fixed schedule (k6's
    constant-arrival-rate), latency counted from when each was due."""
    for key in ("users", "spawn_rate"):
        if key in load:
            raise check.fail(("load", key), "not with model: open (give rate: requests a second)")
    if "rate" not in load:
        raise check.fail(("load", "rate"), "model: open needs rate (requests a second, e.g. 200)")
    rate = float(check.number(load["rate"], ("load", "rate"), 0.1, MAX_ARRIVAL_RATE))
    in_flight = int(check.number(load.get("max_in_flight", 1000), ("load", "max_in_flight"), 1, 100_000,
                                 integer=True))
    duration = check.duration(load.get("duration", "60s"), ("load", "duration"), 1, MAX_DURATION_S)
    return LoadProfile(users=1, spawn_rate=1.0, duration_s=duration, probe_interval_ms=probe_interval_ms,
                       catalogue_size=catalogue, arrival_rate=rate, max_in_flight=in_flight)
