"""The run history database: one code path for SQLite and PostgreSQL (SQLAlchemy Core).

Where the history is comes from :mod:`reports.history.location`; this module opens it,
migrates it, and reads and writes runs, metrics and baselines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import Engine, and_, create_engine, delete, event, func, insert, inspect, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from reports.errors import HistoryError
from reports.history import schema
from reports.history.location import display, resolve_url
from reports.history.migrations import MIGRATIONS, Step
from reports.history.record import Entry, RunFacts


@dataclass(frozen=True)
class RunRow(RunFacts):
    """A run as read back: its facts, its id, and what later runs said of it."""

    id: int
    regressed: bool | None
    recorded_at: float

    @property
    def machine(self) -> str:
        return f"{self.host or '?'} ({self.cores or '?'} cores, {self.cpu_model or 'unknown CPU'})"


class History:
    """An open history; every method is one transaction."""

    def __init__(self, url: str, migrations: tuple[tuple[int, Step], ...] = MIGRATIONS) -> None:
        self.where = display(url)
        try:
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, pool_pre_ping=True)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            self._migrate(migrations)
        except SQLAlchemyError as exc:
            self._dispose()
            raise HistoryError(f"history {self.where}: {_first_line(exc)}") from None
        except OSError as exc:
            self._dispose()
            raise HistoryError(f"history {self.where}: {exc.strerror or exc}") from None
        except HistoryError:
            self._dispose()
            raise

    def _dispose(self) -> None:
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.dispose()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------
    def _migrate(self, migrations: tuple[tuple[int, Step], ...]) -> None:
        newest = migrations[-1][0]
        with self.engine.begin() as conn:
            schema.schema_version.create(conn, checkfirst=True)
            applied = set(conn.execute(select(schema.schema_version.c.version)).scalars())
        if applied and max(applied) > newest:
            raise HistoryError(f"history {self.where}: written by a newer harness (schema version "
                               f"{max(applied)}; this one knows up to {newest}): upgrade to read it")
        for version, step in migrations:
            if version in applied:
                continue
            with self.engine.begin() as conn:  # each step and its record in one transaction
                step(conn)
                conn.execute(insert(schema.schema_version).values(version=version, applied_at=time.time()))

    def version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(schema.schema_version.c.version))).scalar_one() or 0)

    def tables(self) -> dict[str, set[str]]:
        """Every table and its columns, as the database has them (for the schema test)."""
        found = inspect(self.engine)
        return {t: {c["name"] for c in found.get_columns(t)} for t in found.get_table_names()}

    # -- writing ----------------------------------------------------------------------------
    def record(self, entry: Entry) -> int:
        """Add the run, or replace its row and metrics when it was recorded before; its id."""
        row = {k: v for k, v in entry.__dict__.items() if k != "metrics"}
        row["recorded_at"] = time.time()
        runs = schema.runs
        with self._begin() as conn:
            found = conn.execute(select(runs.c.id).where(runs.c.run_key == entry.run_key)).scalar()
            if found is None:
                run_id = int(conn.execute(insert(runs).values(**row)).inserted_primary_key[0])
            else:
                run_id = int(found)
                conn.execute(update(runs).where(runs.c.id == run_id).values(**row))
                conn.execute(delete(schema.metrics).where(schema.metrics.c.run_id == run_id))
            if entry.metrics:
                conn.execute(insert(schema.metrics), [
                    {"run_id": run_id, "name": name, "value": value} for name, value in entry.metrics.items()])
        return run_id

    def mark_regressed(self, run: RunRow, worse: bool) -> None:
        """Say whether ``run`` was found worse than its baseline."""
        with self._begin() as conn:
            conn.execute(update(schema.runs).where(schema.runs.c.id == run.id).values(regressed=worse))

    def pin(self, run: RunRow) -> None:
        """Make ``run`` its scenario's baseline."""
        with self._begin() as conn:
            conn.execute(delete(schema.baselines).where(schema.baselines.c.scenario == run.scenario))
            conn.execute(insert(schema.baselines).values(scenario=run.scenario, run_id=run.id,
                                                         pinned_at=time.time()))

    def unpin(self, scenario: str) -> bool:
        """Back to "last passing" for ``scenario``; whether a pin was removed."""
        with self._begin() as conn:
            done = conn.execute(delete(schema.baselines).where(schema.baselines.c.scenario == scenario))
        return bool(done.rowcount)

    # -- reading ----------------------------------------------------------------------------
    def runs(self, scenario: str | None = None, distribution: str | None = None,
             machine: str | None = None, limit: int | None = None) -> list[RunRow]:
        """Runs, newest first; ``distribution`` matches the file name or the hash's start,
        ``machine`` the host or the CPU model (a substring)."""
        runs = schema.runs
        query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc())
        if scenario:
            query = query.where(runs.c.scenario == scenario)
        if distribution:
            query = query.where(runs.c.distribution.like(f"%{distribution}%")
                                | runs.c.distribution_sha256.like(f"{distribution}%"))
        if machine:
            query = query.where(runs.c.host.like(f"%{machine}%") | runs.c.cpu_model.like(f"%{machine}%"))
        if limit:
            query = query.limit(limit)
        with self._connect() as conn:
            return [RunRow(**row._mapping) for row in conn.execute(query)]

    def run(self, ref: str) -> RunRow:
        """A run by id, by run key, or by its run folder or report path."""
        runs = schema.runs
        clauses = [runs.c.run_key == ref]
        if ref.isdigit():
            clauses.append(runs.c.id == int(ref))
        path = Path(ref).expanduser()
        if path.exists():
            report = path / "report.html" if path.is_dir() else path
            clauses.append(runs.c.report == str(report.resolve()))
        query = select(runs).where(clauses[0] if len(clauses) == 1 else or_(*clauses))
        with self._connect() as conn:
            found = [RunRow(**row._mapping) for row in conn.execute(query)]
        if not found:
            raise HistoryError(f"history {self.where}: no run {ref!r} (an id, a run key or a run folder)")
        return found[0]

    def metrics(self, run_ids: Iterable[int]) -> dict[int, dict[str, float]]:
        ids = list(run_ids)
        out: dict[int, dict[str, float]] = {i: {} for i in ids}
        if not ids:
            return out
        query = select(schema.metrics).where(schema.metrics.c.run_id.in_(ids))
        with self._connect() as conn:
            for row in conn.execute(query):
                out[row.run_id][row.name] = row.value
        return out

    def pinned(self, scenario: str) -> RunRow | None:
        runs, baselines = schema.runs, schema.baselines
        query = select(runs).join(baselines, baselines.c.run_id == runs.c.id).where(
            baselines.c.scenario == scenario)
        with self._connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else RunRow(**row._mapping)

    def baseline(self, scenario: str, before: RunRow | None = None) -> tuple[RunRow | None, str]:
        """The run ``scenario`` is judged against, and how it was chosen: the pinned run,
        else the last run started before ``before`` (or before now) that passed its thresholds
        and was not found worse than its own baseline."""
        pinned = self.pinned(scenario)
        if pinned is not None and (before is None or pinned.id != before.id):
            return pinned, "pinned"
        runs = schema.runs
        query = select(runs).where(and_(runs.c.scenario == scenario, runs.c.passed.is_(True),
                                        or_(runs.c.regressed.is_(None), runs.c.regressed.is_(False))))
        if before is not None:
            query = query.where(and_(runs.c.started_at < before.started_at, runs.c.id != before.id))
        query = query.order_by(runs.c.started_at.desc()).limit(1)
        with self._connect() as conn:
            row = conn.execute(query).first()
        return (None, "none") if row is None else (RunRow(**row._mapping), "last passing")

    # -- plumbing ---------------------------------------------------------------------------
    def _begin(self) -> Any:
        return _Guard(self, self.engine.begin)

    def _connect(self) -> Any:
        return _Guard(self, self.engine.connect)


class _Guard:
    """A connection whose database errors become one-line HistoryErrors."""

    def __init__(self, history: History, opener: Any) -> None:
        self.history, self.opener, self.context = history, opener, None

    def __enter__(self) -> Any:
        try:
            self.context = self.opener()
            return self.context.__enter__()
        except SQLAlchemyError as exc:
            raise HistoryError(f"history {self.history.where}: {_first_line(exc)}") from None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        try:
            self.context.__exit__(kind, exc, tb)
        except SQLAlchemyError as error:
            raise HistoryError(f"history {self.history.where}: {_first_line(error)}") from None
        if isinstance(exc, SQLAlchemyError):
            raise HistoryError(f"history {self.history.where}: {_first_line(exc)}") from None
        return False


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # two runs recording at once wait, not fail
    cursor.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_history(option: str | None = None) -> History | None:
    """The configured history, migrated and ready; None when recording is off."""
    url = resolve_url(option)
    return None if url is None else History(url)



def file_run(entry: Entry, option: str | None = None) -> int | None:
    """Record ``entry`` in the configured history; its id, or None when recording is off."""
    history = open_history(option)
    if history is None:
        return None
    with history:
        return history.record(entry)
