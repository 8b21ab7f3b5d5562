"""Schema migrations, from the first version on: a history written today opens next year.

Each step is a function of a connection inside the migration's transaction, numbered from 1,
and never edited once it has shipped: a change to the tables is a new step appended here
(``ALTER TABLE runs ADD COLUMN ...``: SQL that SQLite and PostgreSQL both accept; the tests
run every step on both). Opening a history applies the steps it has
not seen, in order, and records each in ``schema_version``; a history from a newer harness
(a version beyond :data:`LATEST`) is refused rather than misread.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import Boolean, Column, Connection, Float, ForeignKey, Integer, MetaData, String, Table, Text

Step = Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    """The first schema: runs, metrics, baselines (frozen: see the module text)."""
    meta = MetaData()
    Table("runs", meta,
          Column("id", Integer, primary_key=True),
          Column("run_key", String(400), nullable=False, unique=True),
          Column("scenario", String(200), nullable=False, index=True),
          Column("kind", String(20), nullable=False),
          Column("batch", String(200)),
          Column("started_at", Float, nullable=False, index=True),
          Column("status", String(20), nullable=False),
          Column("passed", Boolean),
          Column("regressed", Boolean),
          Column("distribution", String(400)),
          Column("distribution_sha256", String(64)),
          Column("code_version", String(100)),
          Column("host", String(200)),
          Column("cores", Integer),
          Column("cpu_model", String(200)),
          Column("report", Text),
          Column("recorded_at", Float, nullable=False))
    Table("metrics", meta,
          Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
          Column("name", String(200), primary_key=True),
          Column("value", Float, nullable=False))
    Table("baselines", meta,
          Column("scenario", String(200), primary_key=True),
          Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
          Column("pinned_at", Float, nullable=False))
    meta.create_all(conn)


MIGRATIONS: tuple[tuple[int, Step], ...] = ((1, _v1),)
LATEST = MIGRATIONS[-1][0]
