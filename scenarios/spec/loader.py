"""Scenario files: find them, parse them, validate them into :class:`~scenarios.spec.model.Scenario`.

Every problem is one :class:`~scenarios.errors.ScenarioInputError` line naming the file,
the line, the field path and what is allowed, e.g.
``scenarios/x.yaml:9: steps[2].fault.type: unknown fault 'latncy' (known: status, ...)``.
The sections are parsed by :mod:`scenarios.spec.parse_load` and :mod:`scenarios.spec.parse_steps`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from contracts.defaults import ERROR_GRACE_S
from edge.config.loader import load_distribution
from edge.config.policy_files import load_custom_policies, policy_files_in
from edge.errors import EdgeError
from reports.metrics.thresholds import parse_expect
from scenarios.errors import ScenarioInputError
from scenarios.spec import steps as st
from scenarios.spec.fields import Checker
from scenarios.spec.model import MAX_REPEAT, Scenario, Step, Variant
from scenarios.spec.parse_load import parse_abort, parse_load, parse_steady_state
from scenarios.spec.parse_steps import parse_rollback, parse_step, replay
from scenarios.spec.remote_config import parse_remote
from scenarios.spec.stack_args import parse_stack_args
from scenarios.spec.yamlsrc import load_source

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SCENARIO_DIR = PACKAGE_DIR / "library"
REPO_ROOT = PACKAGE_DIR.parent
TOP_KEYS = ("name", "distribution", "load", "steps", "rollback", "steady_state", "abort", "report",
            "expect", "repeat", "variants", "regression", "stack", "target", "origins")

VARIANT_KEYS = ("name", "distribution", "expect")
VARIANT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def shipped_scenarios() -> list[Path]:
    """The scenario files shipped in this package, by name."""
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def find_scenario(name_or_file: str) -> Path:
    """``NAME`` (``scenarios/library/NAME.yaml``) or a path to a YAML file."""
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


def resolve_distribution(value: Any, base: Path | None) -> Path:
    dist = Path(str(value))
    if not dist.is_absolute():
        near = (base or REPO_ROOT) / dist
        dist = near if near.exists() else REPO_ROOT / dist
    return dist


def _origin_ids(dist_path: Path, check: Checker, where: tuple[Any, ...] = ("distribution",),
                policies: dict[str, list[str]] | None = None) -> tuple[str, ...]:
    """The origin Ids of the distribution, after the edge's own loader accepted the file (so a
    config the edge would refuse at start is refused here, with the edge's words)."""
    if not dist_path.is_file():
        raise check.fail(where, f"cannot read {dist_path}: no such file")
    try:
        distribution = load_distribution(dist_path, load_custom_policies(**(policies or {})))
    except EdgeError as exc:
        raise check.fail(where, f"the edge refuses it: {exc}") from None
    return tuple(distribution.origins)


def _check_functions(dist_path: Path, edge_args: tuple[str, ...], steps: tuple[Step, ...],
                     policies: dict[str, list[str]] | None, check: Checker) -> None:
    """What the edge checks at start, checked now: every CloudFront function the distribution
    associates is in ``--functions DIR``, and every edge fault names one of them."""
    distribution = load_distribution(dist_path, load_custom_policies(**(policies or {})))
    behaviors = (*distribution.behaviors, distribution.default_behavior)
    every: set[str] = set()
    for flag, kind, suffix, names in (
            ("--functions", "CloudFront function", ".js", {n for b in behaviors for _, n in b.functions}),
            ("--lambdas", "Lambda@Edge function", ".py", {n for b in behaviors for _, n in b.lambdas})):
        every |= names
        where: tuple[Any, ...] = ("stack", "edge")
        directory = next((edge_args[i + 1] for i, a in enumerate(edge_args[:-1]) if a == flag), None)
        if names and directory is None:
            raise check.fail(where, f"the distribution associates {kind} {sorted(names)[0]!r}: "
                                    f"add {flag} DIR (the folder of NAME{suffix})")
        folder = Path(str(directory)) if Path(str(directory)).is_absolute() else REPO_ROOT / str(directory)
        for name in sorted(names):
            if directory is not None and "{" not in directory and not (folder / f"{name}{suffix}").is_file():
                raise check.fail(where, f"{flag} {directory}: no {name}{suffix} for the associated function {name!r}")
    names = every
    for step in steps:
        wanted = step.params.get("function") if step.target == st.EDGE_TARGET and step.action == "fault" else None
        if wanted is not None and wanted not in names:
            raise check.fail(("steps", step.index, "fault", "function"),
                             f"{wanted!r} is not a function of the distribution (associated: "
                             f"{', '.join(sorted(names)) or 'none'})")


def _policy_files(edge_args: tuple[str, ...]) -> dict[str, list[str]]:
    """The policy files of the scenario's ``stack.edge`` (``--cache-policy FILE``, ...) by kind,
    without placeholders, which only exist once the run has started."""
    return {kind: [str(REPO_ROOT / f) if not Path(f).is_absolute() else f for f in files if "{" not in f]
            for kind, files in policy_files_in(edge_args).items()}


def _expect(raw: Any, check: Checker, where: tuple[Any, ...] = ("expect",),
            windows: int | None = None, problems: list[str] | None = None) -> tuple[tuple[str, str], ...]:
    """The ``expect`` entries, each checked by the report's own parser and, given the number
    of fault ``windows`` the timeline opens, against the faults the run can produce."""
    if raw is None:
        return ()
    expect = check.mapping(raw, where, None)
    pairs = []
    for metric, condition in expect.items():
        try:  # the report's own parser: one syntax for both sides
            path = parse_expect({metric: condition})[0].path
            if windows is not None and path[0] == "faults" and isinstance(path[1], int) \
                    and path[1] >= windows:
                opened = f"faults[0]..faults[{windows - 1}]" if windows else "none"
                raise check.fail((*where, str(metric)),
                                 f"the timeline opens {windows} fault window(s) (allowed: {opened})")
        except ScenarioInputError as exc:
            _keep_or_raise(exc, problems)
        except ValueError as exc:
            _keep_or_raise(check.fail((*where, str(metric)), str(exc).split(": ", 1)[-1]), problems)
        pairs.append((str(metric), str(condition)))
    return tuple(pairs)


def _keep_or_raise(exc: ScenarioInputError, problems: list[str] | None) -> None:
    if problems is None:
        raise exc
    problems.append(str(exc))


def _variants(raw: Any, base: Path | None, check: Checker, windows: int | None = None) -> tuple[Variant, ...]:
    """``variants``: two or more named runs of the same timeline, reported side by side."""
    items = check.sequence(raw, ("variants",), "variants like {name: tuned, distribution: ...}")
    if len(items) == 1:
        raise check.fail(("variants",), "needs at least two variants to compare")
    variants: list[Variant] = []
    for i, item in enumerate(items):
        path = ("variants", i)
        entry = check.mapping(item, path, VARIANT_KEYS)
        name = entry.get("name")
        if not isinstance(name, str) or not VARIANT_NAME.match(name):
            raise check.fail((*path, "name"), f"must be lower-case letters, digits and '-', got {name!r}")
        if any(v.name == name for v in variants):
            raise check.fail((*path, "name"), f"variant {name!r} is defined twice")
        dist = resolve_distribution(entry["distribution"], base) if "distribution" in entry else None
        variants.append(Variant(name=name, distribution=dist or Path(), origin_ids=(),
                                expect=_expect(entry.get("expect"), check, (*path, "expect"), windows)))
    return tuple(variants)


def _flag(top: dict[str, Any], key: str, check: Checker) -> bool:
    value = top.get(key, False)
    if not isinstance(value, bool):
        raise check.fail((key,), f"must be true or false, got {value!r}")
    return value


def parse_scenario(text: str, name: str, base: Path | None = None) -> Scenario:
    """Validate scenario YAML ``text`` (``name`` is the file name used in messages).

    Every section is checked, and every problem found is reported (one line each, in one
    ScenarioInputError), not only the first; a section that others depend on (the
    distribution's origins, the steps) stops only those.
    """
    try:
        source = load_source(text, name)
    except ValueError as exc:
        raise ScenarioInputError(str(exc)) from None
    check = Checker(source)
    problems: list[str] = []

    def part(read: Any, default: Any = None) -> Any:
        try:
            return read()
        except ScenarioInputError as exc:
            problems.append(str(exc))
            return default

    top = check.mapping(source.data, (), None)
    for key in top:
        if key not in TOP_KEYS:
            problems.append(str(check.fail((str(key),), f"unknown key (allowed: {', '.join(TOP_KEYS)})")))
    if "distribution" not in top:
        raise check.fail((), "missing 'distribution' (a DistributionConfig JSON, e.g. distributions/default.json)")
    dist = resolve_distribution(top["distribution"], base)
    raw_stack = top.get("stack")
    raw_edge = raw_stack.get("edge") if isinstance(raw_stack, dict) else None
    policies = _policy_files(tuple(str(a) for a in raw_edge)) if isinstance(raw_edge, list) else None
    origins = part(lambda: _origin_ids(dist, check, policies=policies))
    stack_args = part(lambda: parse_stack_args(raw_stack, origins, check)) if origins else None
    load = part(lambda: parse_load(top.get("load"), check))
    raw_steps = part(lambda: check.sequence(top.get("steps"), ("steps",), "steps"), [])
    steps = tuple(step for i, raw in enumerate(raw_steps) if origins
                  for step in [part(lambda i=i, raw=raw: parse_step(raw, i, origins, check))] if step)
    windows = sum(1 for step in steps if st.opens_window(step.action)) \
        if origins and len(steps) == len(raw_steps) else None
    if origins:
        edge_args = tuple(str(a) for a in raw_edge) if isinstance(raw_edge, list) else ()
        part(lambda: _check_functions(dist, edge_args, steps, policies, check))
    remote = part(lambda: parse_remote(top, origins, steps, check)) if origins else None
    report = part(lambda: check.mapping(top.get("report") or {}, ("report",), ("error_grace_s",)), {})
    fields = {
        "steady_state": part(lambda: parse_steady_state(top.get("steady_state"), check)),
        "error_grace_s": part(lambda: float(check.number(report.get("error_grace_s", ERROR_GRACE_S),
                                                         ("report", "error_grace_s"), 0, 600)), ERROR_GRACE_S),
        "expect": _expect(top.get("expect"), check, windows=windows, problems=problems),
        "regression": part(lambda: _flag(top, "regression", check), False),
        "abort": part(lambda: parse_abort(top.get("abort"), check), ()),
        "rollback": part(lambda: parse_rollback(top.get("rollback"), origins, check), ()) if origins else (),
        "repeat": part(lambda: int(check.number(top.get("repeat", 1), ("repeat",), 1, MAX_REPEAT,
                                                 integer=True)), 1),
    }
    if problems:
        raise ScenarioInputError("\n".join(problems))
    assert stack_args is not None and load is not None  # both parsed, or a problem was raised
    scenario = Scenario(
        name=str(top.get("name") or Path(name).stem), source=name, description=description(text),
        distribution=dist, origin_ids=origins, load=load, steps=steps, stack_args=stack_args,
        remote=remote, **fields,
    )
    resolved = scenario.with_overrides()
    late = resolved.late_step()
    if late is not None:
        problems.append(str(check.fail(("steps", late.index, "at"),
                                       f"{late.at} is after the end of the run ({load.duration_s:g} s)")))
    part(lambda: replay(resolved.steps, origins, check))
    variants = []
    for i, variant in enumerate(part(lambda: _variants(top.get("variants"), base, check, windows), ())):
        if variant.distribution == Path():  # no distribution of its own: the scenario's
            variant = replace(variant, distribution=dist)
        ids = part(lambda variant=variant, i=i: _origin_ids(variant.distribution, check,
                                                            ("variants", i, "distribution"), policies))
        if ids is None:
            continue
        missing = sorted({s.target for s in (*resolved.steps, *resolved.rollback)} - {*ids, "edge"})
        if missing:
            problems.append(str(check.fail(("variants", i, "distribution"),
                                           f"{variant.distribution} has no origin {', '.join(missing)} "
                                           "(the steps use it)")))
        variants.append(replace(variant, origin_ids=ids))
    if problems:
        raise ScenarioInputError("\n".join(problems))
    return replace(resolved, variants=tuple(variants))


def load_scenario(name_or_file: str) -> Scenario:
    """Find, read and validate a scenario (``ScenarioInputError`` on any problem)."""
    path = find_scenario(name_or_file)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInputError(f"{name_or_file}: cannot read: {exc}") from None
    return parse_scenario(text, display_name(path), base=path.parent)


def load_on_distribution(name_or_file: str, distribution: Path) -> Scenario:
    """A scenario as :func:`load_scenario` reads it, but on ``distribution`` (a path from the
    current folder), checked exactly as if its file named that distribution."""
    path = find_scenario(name_or_file)
    load_scenario(name_or_file)  # the file as it is must be valid first
    doc = yaml.safe_load(path.read_text())
    doc["distribution"] = str(Path(distribution).resolve())
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), display_name(path), base=path.parent)
