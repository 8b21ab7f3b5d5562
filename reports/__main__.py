"""``python -m reports build RUN``: write the report of a run folder.

Prints where the report is and whether the scenario's thresholds passed. Exit status:
0 built (thresholds are reported, not enforced here), 2 bad usage or not a run folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.build import build_report
from reports.errors import ReportError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reports",
        description="Reports of chaos runs: latency, hit ratio, failover time.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build", help="write summary.json, plots/*.png and report.html into RUN")
    build.add_argument("run", metavar="RUN", type=Path,
                       help="a run folder, e.g. results/20260101T120000Z-primary-killed")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        summary = build_report(args.run)
    except ReportError as exc:
        print(f"python -m reports: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable file, full disk: the user's to fix, not a bug
        print(f"python -m reports: {exc.filename or args.run}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    verdict = "passed" if summary["passed"] else "FAILED"
    print(f"{args.run / 'report.html'}  ({summary['status']}, thresholds {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
