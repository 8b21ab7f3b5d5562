"""``python -m reports``: build a run's report, compare two runs, chart regression trends.

    python -m reports build RUN           summary.json, plots/*.png, report.html in RUN
    python -m reports compare A B [--out DIR]
    python -m reports trend DIR [--out DIR]
    python -m reports history [--scenario S] [--baseline RUN] [--import DIR] ...

Exit status: 0 done (thresholds are reported, not enforced here), 2 bad usage, or a
folder that is not what the command needs (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from contracts.cli import OneLineParser, run_main
from reports.errors import ReportError


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(error_type=ReportError, prog="python -m reports",
                     description="Reports of chaos runs: latency, hit ratio, failover time.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=partial(OneLineParser, error_type=ReportError))
    build = commands.add_parser(
        "build", help="write summary.json, plots/*.png and report.html into RUN "
                      "(or into every run of a folder of runs: repeat, variants, regression)")
    build.add_argument("run", metavar="RUN", type=Path,
                       help="a run folder, e.g. results/20260101T120000Z-primary-killed")
    compare = commands.add_parser("compare", help="two runs side by side: deltas, overlaid charts")
    compare.add_argument("a", metavar="A", type=Path, help="the baseline run folder")
    compare.add_argument("b", metavar="B", type=Path, help="the run compared with it")
    compare.add_argument("--out", type=Path, help="output folder (default: next to A, compare-A--B)")
    trend = commands.add_parser("trend", help="key metrics across every regression run under DIR")
    trend.add_argument("dir", metavar="DIR", type=Path, help="e.g. results/")
    trend.add_argument("--out", type=Path, help="output folder (default DIR/trend)")
    history = commands.add_parser(
        "history", help="every recorded run by scenario over time, against its baseline: "
                        "a table here and results/history/history.html")
    from reports.history.options import add_arguments

    add_arguments(history)
    return parser


def _build(run: Path) -> int:
    from reports.render.chart_worker import start_early

    if run.is_dir():
        start_early(run)  # a large run's chart worker loads matplotlib while pandas loads here
    from reports.build import build_group, build_report, is_run

    # A folder that groups runs (repeat, variants, regression): rebuild each run in it.
    built = build_group(run) if run.is_dir() and not is_run(run) else []
    if not built:
        built = [(run, build_report(run))]  # a run folder, or the error saying why it is not
    for folder, summary in built:
        verdict = "passed" if summary["passed"] else "FAILED"
        print(f"{folder / 'report.html'}  ({summary['status']}, thresholds {verdict})")
    return 0


def _compare(a: Path, b: Path, out: Path | None) -> int:
    from reports.compare import compare_runs, text_table

    folder, rows = compare_runs(a, b, out)
    print(text_table(rows, a.name, b.name))
    print(f"{folder / 'compare.html'}")
    return 0


def _trend(root: Path, out: Path | None) -> int:
    from reports.trend import write_trend

    path, count = write_trend(root, out)
    print(f"{path}  ({count} regression runs)")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main("reports", lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "compare":
            return _compare(args.a, args.b, args.out)
        if args.command == "trend":
            return _trend(args.dir, args.out)
        if args.command == "history":
            from reports.history_cmd import run

            return run(args)
        return _build(args.run)
    except BrokenPipeError:
        raise  # the reader stopped reading (`| head`): contracts.cli.run_main ends quietly
    except OSError as exc:  # unreadable file, full disk: the user's to fix, not a bug
        raise ReportError(f"{exc.filename or ''}: {exc.strerror or exc}") from None


if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now (files, the history's connections): leave
    # without the interpreter's teardown, which after a million-row report spends 0.16 s
    # freeing what the end of the process frees anyway.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader has gone: nothing left to tell
        pass
    os._exit(code)
