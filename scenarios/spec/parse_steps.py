"""The ``steps`` and ``rollback`` lists of a scenario file, validated into :class:`Step` objects.

A step is ``{at: TIME, ACTION: VALUE}``: ``fault: {target, type, ...}``, ``clear: ORIGIN`` or
``{target, name}``, ``kill|stop|restart|pause|resume|blackhole|unblackhole: ORIGIN``, or
``invalidate: PATH`` / ``[PATH, ...]`` (on the edge). Edge code has faults too:
``fault: {target: edge, function: NAME, type: throw|slow|budget|invalid}`` and ``clear: edge``
(the edge's CloudFront function NAME; a window like an origin fault's). Rollback steps are the
same without ``at``.
"""

from __future__ import annotations

from typing import Any

from origins.errors import FaultSpecError
from origins.faults import parse_fault
from scenarios.spec import steps as st
from scenarios.spec.control_step import parse_control
from scenarios.spec.durations import StepTime, parse_step_time
from scenarios.spec.fields import Checker
from scenarios.spec.model import Step
from scenarios.spec.yamlsrc import Path_

MAX_INVALIDATION_PATHS = 3000  # CloudFront's limit on paths in flight per distribution


def _invalidation_paths(value: Any, path: Path_, check: Checker) -> list[str]:
    if isinstance(value, dict):
        value = check.mapping(value, path, ("paths",)).get("paths")
        path = (*path, "paths")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or len(items) > MAX_INVALIDATION_PATHS:
        raise check.fail(path, "must be a path like '/*' or a list of paths")
    for i, item in enumerate(items):
        # CloudFront's rules: absolute paths, and '*' only as the last character.
        if not isinstance(item, str) or not item.startswith("/") or "*" in item[:-1]:
            raise check.fail((*path, i) if len(items) > 1 or isinstance(value, list) else path,
                             f"must start with '/' and may end with one '*', got {item!r}")
    return list(items)


def parse_action(item: dict[str, Any], path: Path_, origins: tuple[str, ...], check: Checker,
                 at: StepTime, index: int) -> Step:
    """The single action of ``item`` (its keys other than ``at``) as a :class:`Step`."""
    actions = [k for k in item if k != "at"]
    if len(actions) != 1:
        raise check.fail(path, f"needs exactly one action of: {', '.join(st.ACTIONS)}")
    action = actions[0]
    value = item[action]
    params: dict[str, Any] = {}
    target: Any  # as written in the file until it is checked against the origins below
    if action == "control":  # an API call on an origin or the edge (scenarios/spec/control_step.py)
        target, params = parse_control(value, (*path, action), (*origins, st.EDGE_TARGET), check)
        return Step(at=at, at_s=0.0, action=action, target=target, params=params, index=index)
    if action == "invalidate":
        paths = _invalidation_paths(value, (*path, action), check)
        return Step(at=at, at_s=0.0, action=action, target=st.EDGE_TARGET, params={"paths": paths},
                    index=index)
    if action == "fault":
        fault = check.mapping(value, (*path, action), None)
        target = fault.get("target")
        params = {k: v for k, v in fault.items() if k != "target"}
        if target == st.EDGE_TARGET:  # edge code: a CloudFront function's chaos
            check_function_fault(params, (*path, action), check)
            return Step(at=at, at_s=0.0, action=action, target=st.EDGE_TARGET, params=params, index=index)
        check_fault(params, (*path, action), check)
        target_path: Path_ = (*path, action, "target")
    elif action == "clear" and isinstance(value, dict):
        clear = check.mapping(value, (*path, action), ("target", "name"))
        target = clear.get("target")
        params = {"name": str(clear["name"])} if clear.get("name") else {}
        target_path = (*path, action, "target")
    else:
        target, target_path = value, (*path, action)
    if action == "clear" and target == st.EDGE_TARGET:
        return Step(at=at, at_s=0.0, action=action, target=st.EDGE_TARGET, params={}, index=index)
    if target not in origins:
        raise check.fail(target_path, f"unknown origin {target!r} (the distribution's: {', '.join(origins)})")
    return Step(at=at, at_s=0.0, action=action, target=str(target), params=params, index=index)


def check_fault(params: dict[str, Any], path: Path_, check: Checker) -> None:
    """The fault as the origin's control API will judge it (origins.faults, not a copy)."""
    try:
        parse_fault(params)
    except FaultSpecError as exc:
        where, _, what = str(exc).partition(": ")
        raise check.fail((*path, *where.split(".")[1:]), what) from None


FUNCTION_FAULTS = ("throw", "slow", "budget", "invalid")


def check_function_fault(params: dict[str, Any], path: Path_, check: Checker) -> None:
    """``{target: edge, function: NAME, type: throw|slow|budget|invalid}``: what the edge's
    ``PUT /functions/NAME/fault`` takes (edge/wire/admin.py)."""
    for key in params:
        if key not in ("function", "type"):
            raise check.fail((*path, key), "unknown key (an edge fault takes: target, function, type)")
    name = params.get("function")
    if not isinstance(name, str) or not name:
        raise check.fail((*path, "function"), "required: the CloudFront function to break (its name)")
    if params.get("type") not in FUNCTION_FAULTS:
        raise check.fail((*path, "type"), f"must be one of {', '.join(FUNCTION_FAULTS)}, got {params.get('type')!r}")


def parse_step(raw: Any, index: int, origins: tuple[str, ...], check: Checker) -> Step:
    path: Path_ = ("steps", index)
    item = check.mapping(raw, path, ("at", *st.ACTIONS))
    if "at" not in item:
        raise check.fail(path, "missing 'at' (seconds like '20s' or a percentage like '33%')")
    try:
        at = parse_step_time(item["at"])
    except ValueError as exc:
        raise check.fail((*path, "at"), str(exc)) from None
    return parse_action(item, path, origins, check, at, index)


def parse_rollback(raw: Any, origins: tuple[str, ...], check: Checker) -> tuple[Step, ...]:
    """Rollback steps: actions without ``at``, carried out in order at the end of every run."""
    steps = []
    for i, item in enumerate(check.sequence(raw, ("rollback",), "steps like {clear: primary}")):
        path: Path_ = ("rollback", i)
        item = check.mapping(item, path, st.ACTIONS)
        steps.append(parse_action(item, path, origins, check, StepTime(0.0), i))
    return tuple(steps)


def replay(steps: tuple[Step, ...], origins: tuple[str, ...], check: Checker) -> None:
    """Refuse step orders the origins cannot follow (restart a running origin, ...)."""
    state = {origin: st.UP for origin in (*origins, st.EDGE_TARGET)}
    fault_names: dict[str, str | None] = {}
    for step in steps:
        if step.action not in st.TRANSITIONS:
            continue
        try:
            state[step.target] = st.transition(step.action, state[step.target])
        except ValueError as exc:
            raise check.fail(("steps", step.index), f"at {step.at_s:g} s: {exc}") from None
        if step.action == "fault":
            fault_names[step.target] = step.params.get("name")
        elif step.action == "clear" and step.params.get("name") not in (None, fault_names.get(step.target)):
            raise check.fail(("steps", step.index, "clear", "name"),
                             f"{step.target} has no fault named {step.params['name']!r}")
