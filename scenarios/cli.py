"""``python -m scenarios``: run, list and validate scenarios.

    python -m scenarios run NAME|FILE [--duration S] [--users N] [--repeat N] [--target URL [--real-target]] [--out DIR]
    python -m scenarios list
    python -m scenarios validate [FILE ...]

Bad input is one line on stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from contracts.cli import OneLineParser, run_main
from contracts.errors import EXIT_BAD_INPUT
from scenarios.batch import regression
from scenarios.errors import ScenarioError, ScenarioInputError
from scenarios.remote.safety import add_arguments as add_safety_arguments
from scenarios.run.workers import with_workers
from scenarios.spec import run_options
from scenarios.spec import steps as st
from scenarios.spec.durations import parse_duration
from scenarios.spec.loader import description, display_name, load_scenario, shipped_scenarios
from scenarios.stack.blackhole import remove_stale, unavailable_reason


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(error_type=ScenarioInputError, prog="python -m scenarios", description="Run the harness's chaos scenarios.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=partial(OneLineParser, error_type=ScenarioInputError))
    run = sub.add_parser("run", help="run a scenario and build its report")
    run.add_argument("scenario", help="a name (scenarios/library/NAME.yaml) or a YAML file")
    run.add_argument("-t", "--run-time", "--duration", dest="duration",
                     help="override load.duration (e.g. 15, '90s', '2m')")
    run.add_argument("-u", "--users", type=int, help="override load.users")
    run.add_argument("-r", "--spawn-rate", type=float, help="override load.spawn_rate (users started per second)")
    run.add_argument("--repeat", type=int, help="override repeat: run N times, report each metric's spread")
    run.add_argument("--workers", type=int,
                     help="Locust master plus N local worker processes (default: one process)")
    run.add_argument("-H", "--host", "--target", dest="target",
                     help="drive this URL instead of a local edge (off this machine: see --real-target)")
    run.add_argument("--config", type=Path, metavar="FILE",
                     help=f"options in a locust.conf-style file (default ./{run_options.DEFAULT_FILE} "
                          "if present); command line > environment (LOCUST_USERS, ...) > file")
    run.add_argument("--summary-export", type=Path, metavar="FILE",
                     help="also write the run's summary.json here (like k6's --summary-export)")

    add_safety_arguments(run)  # --real-target, --max-rps, --max-duration (scenarios/remote/safety.py)
    run.add_argument("--out", type=Path, help="run folder (default results/<UTC time>-<name>)")
    sub.add_parser("list", help="the shipped scenarios and what each proves")
    validate = sub.add_parser("validate", help="check scenario files (all shipped ones by default)")
    validate.add_argument("files", nargs="*")
    regression.add_parser(sub)  # scenarios/batch/regression.py
    sub.add_parser("reference", help="the scenario file reference (every key, step, fault type and "
                                     "expect path) as Markdown: docs/SCENARIO_KEYS.md")
    return parser


def apply_run_options(args: argparse.Namespace, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Fill ``args`` from the environment and the config file where the command line left an
    option unset (scenarios/spec/run_options.py); returns where each value came from."""
    path = args.config
    if path is None and Path(run_options.DEFAULT_FILE).is_file():
        path = Path(run_options.DEFAULT_FILE)
    conf: dict[str, str] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioInputError(f"--config: {path}: cannot read ({exc})") from None
        conf = run_options.parse_conf(text, str(path))
    given = {o.dest: getattr(args, o.dest) for o in run_options.OPTIONS}
    values, sources = run_options.resolve(given, os.environ if environ is None else environ, conf, str(path))
    for dest, value in values.items():
        setattr(args, dest, value)
    args.workers = args.workers or 0
    return sources


def cmd_run(args: argparse.Namespace) -> int:
    from scenarios.batch.dispatch import run_scenario  # imports the stack only when running

    sources = apply_run_options(args)
    scenario = load_scenario(args.scenario)
    duration = None
    if args.duration is not None:
        try:
            duration = parse_duration(str(args.duration))
        except ValueError as exc:
            raise ScenarioInputError(f"{_flag('duration', '--duration', sources)}: {exc}") from None
    scenario = scenario.with_overrides(duration_s=duration, users=args.users, repeat=args.repeat,
                                       spawn_rate=args.spawn_rate)
    late = scenario.late_step()
    if late is not None:
        raise ScenarioInputError(
            f"--duration: steps[{late.index}] ({late.describe()} at {late.at}) would fall after the "
            f"end of a {scenario.load.duration_s:g} s run")
    state = {origin: st.UP for origin in (*scenario.origin_ids, st.EDGE_TARGET)}
    for step in scenario.steps:  # a shorter run can move percentage steps past absolute ones
        if step.action in st.TRANSITIONS:
            try:
                state[step.target] = st.transition(step.action, state[step.target])
            except ValueError as exc:
                raise ScenarioInputError(
                    f"--duration: steps[{step.index}] at {step.at_s:g} s: {exc}") from None
    from scenarios.remote.origins import check_target, prepare_run

    scenario, target = prepare_run(scenario, args)  # target, safety rails, plan (scenarios/remote/origins.py)
    target_url = target or (scenario.remote.target if scenario.remote else None)
    if target_url is not None:  # a dead target is refused before any load, not aborted during it
        print(check_target(target_url), flush=True)
    if scenario.uses("blackhole"):
        reason = unavailable_reason()
        if reason:
            raise ScenarioError(f"{scenario.source}: {reason}")
        remove_stale()
    scenario = with_workers(scenario, args.workers)  # scenarios/run/workers.py
    from scenarios.run.runner import make_run_dir

    run_dir = make_run_dir(scenario.name, args.out)
    code = run_scenario(scenario, out=run_dir, target=target)
    if args.summary_export is not None:
        export_summary(args.summary_export, run_dir)
    return code


def _flag(dest: str, flags: str, sources: dict[str, str]) -> str:
    """How to name an option in a message: the flag, or the variable or file it came from."""
    source = sources.get(dest, "command line")
    return flags if source == "command line" else f"{flags} (from {source})"


def export_summary(path: Path, run_dir: Path) -> None:
    """Copy the run's summary.json (a repeat's repeat-summary.json) to ``path``."""
    source = run_dir / "summary.json"
    if not source.exists():
        source = run_dir / "repeat-summary.json"
    if not source.exists():
        print(f"scenarios: --summary-export: no summary.json was written, nothing exported to {path}",
              file=sys.stderr)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source.read_bytes())
    print(f"summary exported: {path}", flush=True)


def headline(name: str, text: str, width: int = 100) -> str:
    """What a scenario does, from its opening comment: up to "Proves:", without "name: " (pure)."""
    words = description(text).split("Proves:", 1)[0].split()
    line = " ".join(words)
    if line.startswith(f"{name}: "):
        line = line[len(name) + 2:]
    return line if len(line) <= width else line[:width - 3].rsplit(" ", 1)[0] + " ..."


def cmd_list() -> int:
    paths = shipped_scenarios()
    column = max((len(p.stem) for p in paths), default=0) + 2
    for path in paths:
        print(f"{path.stem:{column}}{headline(path.stem, path.read_text())}")
    return 0


def cmd_validate(files: list[str]) -> int:
    paths = files or [str(p) for p in shipped_scenarios()]
    bad = 0
    for path in paths:
        try:
            load_scenario(path)
            print(f"ok      {display_name(Path(path))}")
        except ScenarioInputError as exc:
            bad += 1
            for line in str(exc).splitlines():
                print(f"scenarios: {line}", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else 0  # the code 'run' gives the same file


def main(argv: list[str] | None = None) -> int:
    return run_main("scenarios", lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "list":
        return cmd_list()
    if args.command == "regression":
        return regression.cmd_regression(args)
    if args.command == "reference":
        from scenarios.spec.reference import markdown

        print(markdown(), end="")
        return 0
    return cmd_validate(args.files)
