"""Scenario files: find them, parse them, validate them into :class:`~scenarios.spec.model.Scenario`.

Every problem is one :class:`~scenarios.errors.ScenarioInputError` line naming the file,
the line, the field path and what is allowed, e.g.
``scenarios/x.yaml:9: steps[2].fault.type: unknown fault 'latncy' (known: status, ...)``.
The sections are parsed by :mod:`scenarios.spec.parse_load` and :mod:`scenarios.spec.parse_steps`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from contracts.defaults import ERROR_GRACE_S
from reports.metrics.thresholds import parse_expect
from scenarios.errors import ScenarioInputError
from scenarios.spec.fields import Checker
from scenarios.spec.model import MAX_REPEAT, Scenario, Variant
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


def _origin_ids(dist_path: Path, check: Checker, where: tuple[Any, ...] = ("distribution",)) -> tuple[str, ...]:
    try:
        data = json.loads(dist_path.read_text())
    except (OSError, ValueError) as exc:
        raise check.fail(where, f"cannot read {dist_path}: {exc}") from None
    config = data.get("Distribution", data) if isinstance(data, dict) else {}
    config = config.get("DistributionConfig", config) if isinstance(config, dict) else {}
    items = (config.get("Origins") or {}).get("Items") if isinstance(config, dict) else None
    ids = tuple(str(o.get("Id")) for o in items or () if isinstance(o, dict) and o.get("Id"))
    if not ids:
        raise check.fail(where, f"{dist_path} has no DistributionConfig.Origins.Items[].Id")
    if "edge" in ids:
        raise check.fail(where, f"{dist_path}: origin Id 'edge' is reserved for edge steps")
    return ids


def _expect(raw: Any, check: Checker, where: tuple[Any, ...] = ("expect",)) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    expect = check.mapping(raw, where, None)
    pairs = []
    for metric, condition in expect.items():
        try:  # the report's own parser: one syntax for both sides
            parse_expect({metric: condition})
        except ValueError as exc:
            raise check.fail((*where, str(metric)), str(exc).split(": ", 1)[-1]) from None
        pairs.append((str(metric), str(condition)))
    return tuple(pairs)


def _variants(raw: Any, base: Path | None, check: Checker) -> tuple[Variant, ...]:
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
                                expect=_expect(entry.get("expect"), check, (*path, "expect"))))
    return tuple(variants)


def _flag(top: dict[str, Any], key: str, check: Checker) -> bool:
    value = top.get(key, False)
    if not isinstance(value, bool):
        raise check.fail((key,), f"must be true or false, got {value!r}")
    return value


def parse_scenario(text: str, name: str, base: Path | None = None) -> Scenario:
    """Validate scenario YAML ``text`` (``name`` is the file name used in messages)."""
    try:
        source = load_source(text, name)
    except ValueError as exc:
        raise ScenarioInputError(str(exc)) from None
    check = Checker(source)
    top = check.mapping(source.data, (), TOP_KEYS)
    if "distribution" not in top:
        raise check.fail((), "missing 'distribution' (a DistributionConfig JSON, e.g. distributions/default.json)")
    dist = resolve_distribution(top["distribution"], base)
    origins = _origin_ids(dist, check)
    load = parse_load(top.get("load"), check)
    raw_steps = check.sequence(top.get("steps"), ("steps",), "steps")
    steps = tuple(parse_step(raw, i, origins, check) for i, raw in enumerate(raw_steps))
    remote = parse_remote(top, origins, steps, check)  # scenarios/spec/remote_config.py
    report = check.mapping(top.get("report") or {}, ("report",), ("error_grace_s",))
    scenario = Scenario(
        name=str(top.get("name") or Path(name).stem), source=name, description=description(text),
        distribution=dist, origin_ids=origins, load=load, steps=steps,
        steady_state=parse_steady_state(top.get("steady_state"), check),
        error_grace_s=float(check.number(report.get("error_grace_s", ERROR_GRACE_S), ("report", "error_grace_s"), 0, 600)),
        expect=_expect(top.get("expect"), check), regression=_flag(top, "regression", check),
        abort=parse_abort(top.get("abort"), check),
        rollback=parse_rollback(top.get("rollback"), origins, check),
        repeat=int(check.number(top.get("repeat", 1), ("repeat",), 1, MAX_REPEAT, integer=True)),
        stack_args=parse_stack_args(top.get("stack"), origins, check), remote=remote,
    )
    resolved = scenario.with_overrides()
    late = resolved.late_step()
    if late is not None:
        raise check.fail(("steps", late.index, "at"),
                         f"{late.at} is after the end of the run ({load.duration_s:g} s)")
    replay(resolved.steps, origins, check)
    variants = []
    for i, variant in enumerate(_variants(top.get("variants"), base, check)):
        if variant.distribution == Path():  # no distribution of its own: the scenario's
            variant = replace(variant, distribution=dist)
        ids = _origin_ids(variant.distribution, check, ("variants", i, "distribution"))
        missing = sorted({s.target for s in (*resolved.steps, *resolved.rollback)} - {*ids, "edge"})
        if missing:
            raise check.fail(("variants", i, "distribution"),
                             f"{variant.distribution} has no origin {', '.join(missing)} (the steps use it)")
        variants.append(replace(variant, origin_ids=ids))
    return replace(resolved, variants=tuple(variants))


def load_scenario(name_or_file: str) -> Scenario:
    """Find, read and validate a scenario (``ScenarioInputError`` on any problem)."""
    path = find_scenario(name_or_file)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInputError(f"{name_or_file}: cannot read: {exc}") from None
    return parse_scenario(text, display_name(path), base=path.parent)
