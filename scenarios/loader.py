"""Scenario files: find them, parse them, validate them into :class:`~scenarios.model.Scenario`.

Every problem is one :class:`~scenarios.errors.ScenarioInputError` line naming the file,
the line, the field path and what is allowed, e.g.
``scenarios/x.yaml:9: steps[2].fault.type: unknown fault 'latncy' (known: status, ...)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reports.thresholds import parse_expect
from scenarios import steps as st
from scenarios.durations import parse_duration, parse_step_time
from scenarios.errors import ScenarioInputError
from scenarios.model import MAX_DURATION_S, MAX_USERS, LoadProfile, Scenario, Step
from scenarios.yamlsrc import Path_, Source, load_source

SCENARIO_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCENARIO_DIR.parent
TOP_KEYS = ("name", "distribution", "load", "steps", "steady_state", "report", "expect", "regression")
LOAD_KEYS = ("users", "spawn_rate", "duration", "probe_interval", "catalogue_size")


def shipped_scenarios() -> list[Path]:
    """The scenario files shipped in this package, by name."""
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def find_scenario(name_or_file: str) -> Path:
    """``NAME`` (``scenarios/NAME.yaml``) or a path to a YAML file."""
    candidate = Path(name_or_file)
    if candidate.suffix in (".yaml", ".yml") or "/" in name_or_file:
        if candidate.is_file():
            return candidate
        raise ScenarioInputError(f"{name_or_file}: no such scenario file")
    shipped = SCENARIO_DIR / f"{name_or_file}.yaml"
    if shipped.is_file():
        return shipped
    known = ", ".join(p.stem for p in shipped_scenarios()) or "none"
    raise ScenarioInputError(f"unknown scenario '{name_or_file}' (known: {known})")


def description(text: str) -> str:
    """The comment block a scenario file opens with, without the '#'s."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return "\n".join(lines).strip()


def display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class _Checker:
    """Field accessors that raise one-line errors pointing into the source."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def fail(self, path: Path_, message: str) -> ScenarioInputError:
        return ScenarioInputError(f"{self.source.where(path)}: {message}")

    def mapping(self, value: Any, path: Path_, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            return_type = type(value).__name__ if value is not None else "nothing"
            raise self.fail(path, f"must be a mapping, got {return_type}")
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    raise self.fail((*path, str(key)), f"unknown key (allowed: {', '.join(allowed)})")
        return value

    def number(self, value: Any, path: Path_, lo: float, hi: float, integer: bool = False) -> float:
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not lo <= value <= hi:
            kind = "a whole number" if integer else "a number"
            raise self.fail(path, f"must be {kind} within {lo:g}..{hi:g}, got {value!r}")
        return value

    def duration(self, value: Any, path: Path_, lo: float, hi: float) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None
        if not lo <= seconds <= hi:
            raise self.fail(path, f"must be within {lo:g}..{hi:g} s, got {value!r}")
        return seconds


def _origin_ids(dist_path: Path, check: _Checker) -> tuple[str, ...]:
    try:
        data = json.loads(dist_path.read_text())
    except (OSError, ValueError) as exc:
        raise check.fail(("distribution",), f"cannot read {dist_path}: {exc}") from None
    config = data.get("Distribution", data) if isinstance(data, dict) else {}
    config = config.get("DistributionConfig", config) if isinstance(config, dict) else {}
    items = (config.get("Origins") or {}).get("Items") if isinstance(config, dict) else None
    ids = tuple(str(o.get("Id")) for o in items or () if isinstance(o, dict) and o.get("Id"))
    if not ids:
        raise check.fail(("distribution",), f"{dist_path} has no DistributionConfig.Origins.Items[].Id")
    return ids


def _load(raw: Any, check: _Checker) -> LoadProfile:
    load = check.mapping(raw if raw is not None else {}, ("load",), LOAD_KEYS)
    users = int(check.number(load.get("users", 20), ("load", "users"), 1, MAX_USERS, integer=True))
    duration = check.duration(load.get("duration", "60s"), ("load", "duration"), 1, MAX_DURATION_S)
    spawn_rate = float(check.number(load.get("spawn_rate", users), ("load", "spawn_rate"), 0.1, 1000))
    probe_s = check.duration(load.get("probe_interval", "100ms"), ("load", "probe_interval"), 0.01, 60)
    catalogue = int(check.number(load.get("catalogue_size", 200), ("load", "catalogue_size"),
                                 1, 1_000_000, integer=True))
    return LoadProfile(users=users, spawn_rate=spawn_rate, duration_s=duration,
                       probe_interval_ms=int(round(probe_s * 1000)), catalogue_size=catalogue)


def _step(raw: Any, index: int, origins: tuple[str, ...], check: _Checker) -> Step:
    path: Path_ = ("steps", index)
    item = check.mapping(raw, path, ("at", *st.ACTIONS))
    if "at" not in item:
        raise check.fail(path, "missing 'at' (seconds like '20s' or a percentage like '33%')")
    try:
        at = parse_step_time(item["at"])
    except ValueError as exc:
        raise check.fail((*path, "at"), str(exc)) from None
    actions = [k for k in item if k != "at"]
    if len(actions) != 1:
        raise check.fail(path, f"needs exactly one action of: {', '.join(st.ACTIONS)}")
    action = actions[0]
    value = item[action]
    params: dict[str, Any] = {}
    if action == "fault":
        fault = check.mapping(value, (*path, action), None)
        target = fault.get("target")
        params = {k: v for k, v in fault.items() if k != "target"}
        ftype = params.get("type")
        if ftype not in st.FAULT_TYPES:
            raise check.fail((*path, action, "type"),
                             f"unknown fault {ftype!r} (known: {', '.join(st.FAULT_TYPES)})")
        for attr in st.FAULT_TYPES[ftype]:
            if attr not in params:
                raise check.fail((*path, action), f"fault type '{ftype}' needs '{attr}'")
        if "probability" in params:
            check.number(params["probability"], (*path, action, "probability"), 0, 1)
        target_path: Path_ = (*path, action, "target")
    elif action == "clear" and isinstance(value, dict):
        clear = check.mapping(value, (*path, action), ("target", "name"))
        target = clear.get("target")
        params = {"name": str(clear["name"])} if clear.get("name") else {}
        target_path = (*path, action, "target")
    else:
        target, target_path = value, (*path, action)
    if target not in origins:
        raise check.fail(target_path, f"unknown origin {target!r} (the distribution's: {', '.join(origins)})")
    return Step(at=at, at_s=0.0, action=action, target=str(target), params=params, index=index)


def _replay(steps: tuple[Step, ...], origins: tuple[str, ...], check: _Checker) -> None:
    """Refuse step orders the origins cannot follow (restart a running origin, ...)."""
    state = {origin: st.UP for origin in origins}
    fault_names: dict[str, str | None] = {}
    for step in steps:
        try:
            state[step.target] = st.transition(step.action, state[step.target])
        except ValueError as exc:
            raise check.fail(("steps", step.index), f"at {step.at_s:g} s: {exc}") from None
        if step.action == "fault":
            fault_names[step.target] = step.params.get("name")
        elif step.action == "clear" and step.params.get("name") not in (None, fault_names.get(step.target)):
            raise check.fail(("steps", step.index, "clear", "name"),
                             f"{step.target} has no fault named {step.params['name']!r}")


def parse_scenario(text: str, name: str, base: Path | None = None) -> Scenario:
    """Validate scenario YAML ``text`` (``name`` is the file name used in messages)."""
    try:
        source = load_source(text, name)
    except ValueError as exc:
        raise ScenarioInputError(str(exc)) from None
    check = _Checker(source)
    top = check.mapping(source.data, (), TOP_KEYS)
    if "distribution" not in top:
        raise check.fail((), "missing 'distribution' (a DistributionConfig JSON, e.g. distributions/default.json)")
    dist = Path(str(top["distribution"]))
    if not dist.is_absolute():
        near = (base or REPO_ROOT) / dist
        dist = near if near.exists() else REPO_ROOT / dist
    origins = _origin_ids(dist, check)
    load = _load(top.get("load"), check)
    raw_steps = top.get("steps") or []
    if not isinstance(raw_steps, list):
        raise check.fail(("steps",), "must be a list of steps")
    steps = tuple(_step(raw, i, origins, check) for i, raw in enumerate(raw_steps))
    steady = check.mapping(top.get("steady_state") or {}, ("steady_state",), ("success_ratio",))
    report = check.mapping(top.get("report") or {}, ("report",), ("error_grace_s",))
    expect = _expect(top.get("expect"), check)
    regression = top.get("regression", False)
    if not isinstance(regression, bool):
        raise check.fail(("regression",), f"must be true or false, got {regression!r}")
    stem = Path(name).stem
    scenario = Scenario(
        name=str(top.get("name") or stem), source=name, description=description(text),
        distribution=dist, origin_ids=origins, load=load, steps=steps,
        success_ratio=float(check.number(steady.get("success_ratio", 0.99),
                                         ("steady_state", "success_ratio"), 0, 1)),
        error_grace_s=float(check.number(report.get("error_grace_s", 5), ("report", "error_grace_s"), 0, 600)),
        expect=expect, regression=regression,
    )
    resolved = scenario.with_overrides()
    late = resolved.late_step()
    if late is not None:
        raise check.fail(("steps", late.index, "at"),
                         f"{late.at} is after the end of the run ({load.duration_s:g} s)")
    _replay(resolved.steps, origins, check)
    return resolved


def _expect(raw: Any, check: _Checker) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    expect = check.mapping(raw, ("expect",), None)
    pairs = []
    for metric, condition in expect.items():
        try:  # the report's own parser: one syntax for both sides
            parse_expect({metric: condition})
        except ValueError as exc:
            raise check.fail(("expect", str(metric)), str(exc).split(": ", 1)[-1]) from None
        pairs.append((str(metric), str(condition)))
    return tuple(pairs)


def load_scenario(name_or_file: str) -> Scenario:
    """Find, read and validate a scenario (``ScenarioInputError`` on any problem)."""
    path = find_scenario(name_or_file)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInputError(f"{name_or_file}: cannot read: {exc}") from None
    return parse_scenario(text, display_name(path), base=path.parent)
