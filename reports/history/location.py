"""Where the run history is, as a SQLAlchemy URL (no database opened here).

First found wins: ``--history`` on the command line, the ``HARNESS_HISTORY`` environment
variable, ``results/history.sqlite`` in the checkout. A value is a file path (SQLite),
``sqlite:///PATH``, ``postgresql://[user@]host[:port]/db`` (driven by psycopg), or ``off`` to
record nothing. A password is never taken on the command line (every user of the machine
can read it there): give it through ``HARNESS_HISTORY``, ``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reports.errors import HistoryError

ENV = "HARNESS_HISTORY"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "results" / "history.sqlite"
OFF = ("off", "none", "")


def resolve_url(option: str | None, environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The SQLAlchemy URL of the history, or None when recording is off."""
    if option is not None:
        if "://" in option and make_url_safe(option).password:
            raise HistoryError("--history: a password on the command line is visible to every user "
                               f"(ps); put the URL in {ENV} or the password in PGPASSWORD or ~/.pgpass")
        value = option
    else:
        value = environ.get(ENV, str(DEFAULT_PATH))
    value = value.strip()
    if value.lower() in OFF:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    if value.startswith(("postgresql+psycopg://", "sqlite:")):
        return value
    if "://" in value:
        raise HistoryError(f"history {make_url_safe(value).render_as_string()}: only SQLite "
                           "(a file path or sqlite:///PATH) and postgresql:// are supported")
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def make_url_safe(value: str) -> Any:
    # Imported here: a build with the history off never loads SQLAlchemy (0.12 s, 15 MiB).
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(value)
    except ArgumentError:
        raise HistoryError(f"history: not a database URL: {value.split('@')[-1]!r}") from None


def display(url: str) -> str:
    """The URL as said to people: no password; a SQLite file below the current folder relative."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        try:
            return f"sqlite:///{path.relative_to(Path.cwd())}"
        except ValueError:
            return url
    return str(make_url_safe(url).render_as_string(hide_password=True))
