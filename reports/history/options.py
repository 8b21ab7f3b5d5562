"""The options of ``python -m reports history`` (reports.history_cmd runs it), apart so that
building the parser of ``python -m reports`` loads neither the history nor SQLAlchemy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LAST_PASSING = "last-passing"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--history", metavar="URL",
                        help="the history: a SQLite file, sqlite:///PATH or postgresql://host/db "
                             "(default: $HARNESS_HISTORY, else results/history.sqlite)")
    parser.add_argument("--scenario", help="only this scenario")
    parser.add_argument("--distribution", help="only runs of this distribution (file name or hash prefix)")
    parser.add_argument("--machine", help="only runs on this machine (host name or CPU model, a substring)")
    parser.add_argument("--limit", type=int, default=200, help="newest N runs (default 200)")
    parser.add_argument("--out", type=Path, help="where history.html goes (default results/history/)")
    parser.add_argument("--baseline", metavar="RUN",
                        help=f"pin RUN (id, run folder) as its scenario's baseline; '{LAST_PASSING}' "
                             "with --scenario goes back to the last passing run")
    parser.add_argument("--import", dest="import_dir", type=Path, metavar="DIR",
                        help="file every run folder under DIR that has a summary.json (regression-* too)")
