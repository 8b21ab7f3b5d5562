"""The scenario file reference (docs/SCENARIO_KEYS.md), generated from the model itself.

Every key list below is the one the loader checks against (``TOP_KEYS``, ``LOAD_KEYS``, ...),
the step actions come from the state machine, the fault types and their attributes from the
origins' registry, and the ``expect`` paths from the report's own summary shape. The prose
is keyed by name: a key added to the loader without a line here (or a line left for a key
that is gone) stops :func:`markdown` with the name, and ``tests/scenarios/test_reference.py``
fails until ``python -m scenarios reference > docs/SCENARIO_KEYS.md`` is run again.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from origins.faults.registry import ENVELOPE, REGISTRY
from reports.metrics.thresholds import ANY, LEAF, SUMMARY_SHAPE
from scenarios.spec import loader, parse_load, remote_config, stack_args
from scenarios.spec import steps as st
from scenarios.spec.model import MAX_DURATION_S, MAX_REPEAT, MAX_SPAWN_RATE, MAX_USERS
from scenarios.spec.window import WINDOW_METRICS

TOP = {
    "name": "the scenario's name (default: the file name without `.yaml`)",
    "distribution": "the DistributionConfig JSON the edge runs (a path; see *Paths*)",
    "load": "viewers and the probe: the `load` table below",
    "steps": "the timeline: a list of `{at: TIME, ACTION: VALUE}` (the *Steps* table)",
    "rollback": "steps without `at`, carried out in order at the end of every run, however it ends",
    "steady_state": "what must hold before the first fault and after the last one (`steady_state` table)",
    "abort": "rules on a sliding window that stop the run early (`abort` table); the report is still built",
    "report": "`{error_grace_s: N}`: seconds after a fault's end whose errors still count as the fault's (default 5)",
    "expect": "thresholds: `PATH: CONDITION` (`\"< 1.0\"`, `\"<= 5\"`, `\"0.5..2.0\"`); the paths are listed below",
    "repeat": f"run N times (1..{MAX_REPEAT}) and judge `expect` on the medians",
    "variants": "the same timeline on other distributions, run one after the other and compared (`variants` table)",
    "regression": "`true`: part of `make regression` (short runs, judged against the run history's baseline)",
    "stack": "extra command-line flags per process (`stack` table); only the flags each process allows",
    "target": "opt-in: drive a real distribution at this URL (with `origins`; needs `--real-target` off this machine)",
    "origins": "with `target`: each origin's control URL and the environment variable holding its token",
}
LOAD = {
    "users": f"viewers (closed model: each waits for its answer), 1..{MAX_USERS}; default 20",
    "spawn_rate": f"users started per second, 0.1..{MAX_SPAWN_RATE:g}; default: all at once (= users)",
    "duration": f"how long the load runs: `90`, `\"90s\"`, `\"2m\"`; at most {MAX_DURATION_S:g} s; default 60 s",
    "probe_interval": "the probe's tick (open model: one request per tick whatever the last one does); default 100ms",
    "catalogue_size": "how many `/static/` objects viewers pick from (Zipf popularity); default 200",
    "stages": "instead of users/spawn_rate/duration: a list of `{users, spawn_rate, duration}` run in turn",
    "model": "`closed` (default: `users` viewers, each waiting for its answer) or `open` (k6's "
             "constant-arrival-rate: `rate` requests a second on a fixed schedule, latency counted from "
             "when each was due, so a stall cannot hide; an HDR histogram in `viewers-latency.hgrm`)",
    "rate": "model: open: viewer requests a second, 0.1..20000",
    "max_in_flight": "model: open: requests waiting at once; a due request beyond is dropped, an error row "
                     "(default 1000)",
}
STAGE = {
    "users": "users during this stage",
    "spawn_rate": "how fast to get there (users per second; default: at once)",
    "duration": "how long the stage lasts",
}
STEADY = {
    "success_ratio": "share of viewer requests that must succeed (default 0.99)",
    "window": "the seconds judged: before the first fault, and after the last one closes (default 5s)",
    "min_requests": "fewer requests in the window: the check is not judged (default 10)",
    "checks": "more conditions on window metrics: `{METRIC: CONDITION}` (metrics below)",
}
ABORT = {
    "metric": "a window metric (below)",
    "condition": "when it holds, the run stops: `\"> 0.5\"`",
    "window": "the sliding window it is judged over (default 10s)",
    "min_requests": "fewer requests in the window: the rule waits (default 20)",
}
VARIANT = {
    "name": "the variant's name (lower case, digits, dashes); its run folder",
    "distribution": "the distribution it runs",
    "expect": "thresholds merged over the scenario's own",
}
STACK = {
    "keys": "generate keys for field-level encryption and origin access (`true`)",
    "origins": "flags added to both origins' command lines",
    "edge": "flags added to the edge's command line (`--cache-policy FILE`, ...)",
    "locust": "flags added to Locust's command line",
}
REMOTE_ORIGIN = {
    "control": "the origin's control API URL",
    "token_env": "the environment variable holding its token (never the token itself)",
}
EDGE_STEPS = {
    "invalidate": "`invalidate: \"/*\"` or a list of paths: a CreateInvalidation on the edge; no fault window",
    "control": "`control: {target, method, path, body}`: one call on an origin's or the edge's control API; no window",
}


def _check(names: tuple[str, ...] | list[str], prose: dict[str, str], where: str) -> None:
    missing, extra = set(names) - set(prose), set(prose) - set(names)
    if missing or extra:
        raise ValueError(f"scenario reference, {where}: no text for {sorted(missing)}; "
                         f"text for keys that are gone: {sorted(extra)}")


def _table(title: str, names: tuple[str, ...] | list[str], prose: dict[str, str]) -> list[str]:
    _check(names, prose, title)
    return [f"### {title}", "", "| key | what |", "| --- | --- |",
            *(f"| `{name}` | {prose[name]} |" for name in names), ""]


def expect_paths(node: Any = SUMMARY_SHAPE, prefix: str = "") -> list[str]:
    """Every path a threshold may name, as a pattern: ``faults[N].time_to_failover_s``,
    ``by_origin.ORIGIN.misses``; ``.…`` where the run decides what exists below."""
    if node is LEAF:
        return [prefix]
    if node is ANY:
        return [f"{prefix}.…"]
    out: list[str] = []
    for key, child in node.items():
        if key == "[]":
            out += expect_paths(child, f"{prefix}[N]")
        elif key == "*":
            out += expect_paths(child, f"{prefix}.ORIGIN")
        else:
            out += expect_paths(child, f"{prefix}.{key}" if prefix else key)
    return out


def _faults() -> list[str]:
    rows = ["| type | attributes (required in bold) | what it does |", "| --- | --- | --- |"]
    for name, cls in REGISTRY.items():
        attrs = ", ".join(f"**{f.name}**" if f.default is MISSING and f.default_factory is MISSING
                          else f"{f.name} = {f.default!r}" for f in fields(cls))  # type: ignore[arg-type]
        doc = " ".join((cls.__doc__ or "").split()).replace("``", "`").split(". ")[0].rstrip(".")
        rows.append(f"| `{name}` | {attrs or '-'} | {doc} |")
    return rows


def markdown() -> str:
    """The whole reference page."""
    _check(list(st.TRANSITIONS) + list(st.EDGE_ACTIONS), {**dict.fromkeys(st.TRANSITIONS, ""), **EDGE_STEPS},
           "steps")
    lines = [
        "# Scenario file reference",
        "",
        "Generated by `python -m scenarios reference` from the loader's own key lists, the step state",
        "machine, the fault registry and the report's summary shape; `make test` fails when this file",
        "and the code differ. A key not listed here is refused, with the file, the line and the keys",
        "allowed.",
        "",
        "## Top level",
        "",
        *_table("scenario", loader.TOP_KEYS, TOP),
        *_table("load", parse_load.LOAD_KEYS, LOAD),
        *_table("load.stages[]", parse_load.STAGE_KEYS, STAGE),
        "```yaml",
        "load:",
        "  stages:                        # 20 s at 10 users, then 20 s at 40 (like Locust's LoadTestShape)",
        "    - {users: 10, spawn_rate: 10, duration: 20s}",
        "    - {users: 40, spawn_rate: 20, duration: 20s}",
        "```",
        "",
        *_table("steady_state", parse_load.STEADY_KEYS, STEADY),
        *_table("abort[]", parse_load.ABORT_KEYS, ABORT),
        *_table("variants[]", loader.VARIANT_KEYS, VARIANT),
        *_table("stack", stack_args.KEYS, STACK),
        *_table("origins.ORIGIN (with `target`)", remote_config.ORIGIN_KEYS, REMOTE_ORIGIN),
        f"Window metrics (`abort`, `steady_state.checks`): {', '.join(f'`{m}`' for m in WINDOW_METRICS)}.",
        "",
        "## Steps",
        "",
        "`at` is seconds (`15`, `\"15s\"`, `\"1m30s\"`) or a share of the run (`\"33%\"`, which moves with",
        "`--duration`). Steps at the same `at` run in file order. An origin is in one state at a time;",
        "a step moves it along one row below (anything else is refused before the run starts). A step",
        "that leaves `up` opens a fault window on its origin, the step that returns it to `up` closes",
        "it: the report's `faults[N]` are these windows, numbered in order.",
        "",
        "| action | value | from | to | window |",
        "| --- | --- | --- | --- | --- |",
        *(f"| `{action}` | {'`{target, type, ...}` (fault types below)' if action == 'fault' else 'ORIGIN'} "
          f"| {before} | {after} | {'opens' if st.opens_window(action) else 'closes'} |"
          for action, (before, after) in st.TRANSITIONS.items()),
        *(f"| `{action}` | {text} | | | none |" for action, text in EDGE_STEPS.items()),
        "",
        "`clear: ORIGIN` removes every fault on that origin (its control API's reset); `clear: {target:",
        "ORIGIN, name: NAME}` removes only the fault named NAME. A fault's envelope: "
        + ", ".join(f"`{k}`" for k in ENVELOPE)
        + " (`probability` < 1: only that share of requests; `paths`: glob patterns).",
        "",
        "### Fault types",
        "",
        *_faults(),
        "",
        "## Paths",
        "",
        "`distribution` (and a variant's) is read relative to the scenario file's folder first, then",
        "to the checkout's root (`distributions/default.json` works from anywhere). The run folder's",
        "`scenario.yaml` names it from the checkout.",
        "",
        "## `expect` paths",
        "",
        "`N` is a fault window's number (or a phase's index), `ORIGIN` an origin's Id, `…` anything",
        "the run itself names (status codes, failover reasons). Definitions: the report's",
        "*Definitions* section.",
        "",
        *(f"- `{path}`" for path in expect_paths()),
        "",
    ]
    return "\n".join(lines)
