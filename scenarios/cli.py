"""``python -m scenarios``: run, list and validate scenarios.

    python -m scenarios run NAME|FILE [--duration S] [--users N] [--target URL] [--out DIR]
    python -m scenarios list
    python -m scenarios validate [FILE ...]

Bad input is one line on stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path
from urllib.parse import urlsplit

from scenarios.durations import parse_duration
from scenarios.errors import ScenarioError, ScenarioInputError
from scenarios.loader import description, display_name, load_scenario, shipped_scenarios

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m scenarios", description="Run the harness's chaos scenarios.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run a scenario and build its report")
    run.add_argument("scenario", help="a name (scenarios/NAME.yaml) or a YAML file")
    run.add_argument("--duration", help="override load.duration (e.g. 15, '90s', '2m')")
    run.add_argument("--users", type=int, help="override load.users")
    run.add_argument("--target", help="drive this URL instead of a local edge (loopback only for now)")
    run.add_argument("--out", type=Path, help="run folder (default results/<UTC time>-<name>)")
    sub.add_parser("list", help="the shipped scenarios and what each proves")
    validate = sub.add_parser("validate", help="check scenario files (all shipped ones by default)")
    validate.add_argument("files", nargs="*")
    return parser


def check_target(url: str) -> str:
    """Only loopback URLs for now: a real distribution needs its own safety checks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScenarioInputError(f"--target: expected a URL like http://127.0.0.1:8080, got {url!r}")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ScenarioInputError(
            f"--target: {host} is not a loopback address; driving real distributions is not supported yet")
    return url.rstrip("/")


def cmd_run(args: argparse.Namespace) -> int:
    from scenarios.runner import run_scenario  # imports the stack only when running

    scenario = load_scenario(args.scenario)
    duration = None
    if args.duration is not None:
        try:
            duration = parse_duration(args.duration)
        except ValueError as exc:
            raise ScenarioInputError(f"--duration: {exc}") from None
    scenario = scenario.with_overrides(duration_s=duration, users=args.users)
    late = scenario.late_step()
    if late is not None:
        raise ScenarioInputError(
            f"--duration: steps[{late.index}] ({late.describe()} at {late.at}) would fall after the "
            f"end of a {scenario.load.duration_s:g} s run")
    target = check_target(args.target) if args.target else None
    if target and scenario.steps:
        raise ScenarioInputError(
            f"--target: {scenario.source} has steps, which need the local stack; use a scenario without steps")
    return run_scenario(scenario, out=args.out, target=target)


def cmd_list() -> int:
    for path in shipped_scenarios():
        first = description(path.read_text()).split("\n", 1)[0]
        print(f"{path.stem:24} {first}")
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
            print(str(exc), file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "list":
            return cmd_list()
        return cmd_validate(args.files)
    except ScenarioInputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
