"""Read a run folder: settings, timeline and the request rows, as one :class:`Run`.

Only the run folder is read (``scenario.yaml`` via :mod:`reports.read.settings`,
``events.jsonl`` via :mod:`reports.read.timeline`, ``requests.csv`` via
:mod:`reports.read.requests`; the edge log has its own module). Runs end badly in practice,
so a run with no ``load-end`` event (interrupted) still reads: the load then ends with the
last request.

Times in the returned data are relative: ``t = ts - load_start`` in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from reports.errors import RunFolderError
from reports.read.requests import read_requests, read_requests_parquet
from reports.read.settings import Settings, read_settings
from reports.read.timeline import FaultWindow, fault_windows, first_ts, read_events, run_status

__all__ = ["FaultWindow", "Run", "Settings", "read_requests", "read_run"]


@dataclass(frozen=True)
class Run:
    """A run folder, read. ``requests`` has the ARCHITECTURE columns plus ``t``."""

    path: Path
    settings: Settings
    events: list[dict[str, Any]]
    requests: pd.DataFrame
    load_start_ts: float
    duration_s: float
    status: str
    faults: list[FaultWindow]
    # Requests the end of the load cut short (contracts.requests_csv.INTERRUPTED): counted,
    # kept out of ``requests`` (neither errors nor latencies).
    interrupted: int = 0


def read_run(path: Path) -> Run:
    """Read the run folder at ``path``; RunFolderError with one line if it is not one."""
    path = Path(path)
    if not path.is_dir():
        raise RunFolderError(f"{path}: no such run folder")
    events_path, csv_path = path / "events.jsonl", path / "requests.csv"
    parquet_path = path / "requests.parquet"
    if not any(p.exists() for p in (events_path, csv_path, parquet_path)):
        raise RunFolderError(f"{path}: not a run folder (no events.jsonl or requests.csv)")
    settings = read_settings(path / "scenario.yaml", default_name=path.name)
    events = read_events(events_path)
    if parquet_path.exists() and not csv_path.exists():
        frame, cut_short = read_requests_parquet(parquet_path)
    else:
        frame, cut_short = read_requests(csv_path)
    start = _load_start(events, frame)
    frame["t"] = frame["ts"] - start
    duration = _duration(events, frame, start)
    faults = fault_windows(events, start, duration)
    return Run(path, settings, events, frame, start, duration, run_status(events), faults,
               cut_short)


def _load_start(events: list[dict[str, Any]], frame: pd.DataFrame) -> float:
    start = first_ts(events, "load-start")
    if start is None and len(frame):
        start = float(frame["ts"].min())
    if start is None:
        start = first_ts(events, "run-start")
    return start if start is not None else 0.0


def _duration(events: list[dict[str, Any]], frame: pd.DataFrame, start: float) -> float:
    end = first_ts(events, "load-end")
    if end is not None:
        return max(0.0, end - start)
    # Interrupted: the load lasted until the last request completed (or the last event).
    candidates = [float(e["ts"]) - start for e in events]
    if len(frame):
        candidates.append(float((frame["t"] + frame["latency_ms"].fillna(0) / 1000).max()))
    return max([0.0, *candidates])
