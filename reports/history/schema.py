"""The history's tables as the code reads and writes them (the newest schema version).

A change here is a new step in :mod:`reports.history.migrations` in the same commit;
``tests/reports/test_history.py`` checks that the migrated database matches these tables.

- ``runs``: one row per run, keyed by ``run_key`` (the run-start time, scenario and folder
  name), so rebuilding a report updates its row instead of adding one;
- ``metrics``: every number of the run's summary.json, by its threshold path
  (``faults[0].time_to_failover_s``): a metric added next year needs no migration;
- ``baselines``: the run pinned as each scenario's baseline (else the last passing run);
- ``schema_version``: one row per migration applied.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Float, nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_key", String(400), nullable=False, unique=True),
    Column("scenario", String(200), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # single, repeat, variant, regression
    Column("batch", String(200)),  # the repeat or regression folder it belongs to
    Column("started_at", Float, nullable=False, index=True),  # UTC epoch seconds
    Column("status", String(20), nullable=False),
    Column("passed", Boolean),  # None: no thresholds were judged (run not completed)
    Column("regressed", Boolean),  # judged worse than its baseline by a regression run
    Column("distribution", String(400)),
    Column("distribution_sha256", String(64)),
    Column("code_version", String(100)),
    Column("host", String(200)),
    Column("cores", Integer),
    Column("cpu_model", String(200)),
    Column("report", Text),  # the report's path as recorded
    Column("recorded_at", Float, nullable=False),
)

metrics = Table(
    "metrics", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("value", Float, nullable=False),
)

baselines = Table(
    "baselines", metadata,
    Column("scenario", String(200), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("pinned_at", Float, nullable=False),
)
