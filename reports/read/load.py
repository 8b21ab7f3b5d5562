"""Read a run folder: settings, timeline and the request rows, as one :class:`Run`.

Only the run folder is read (``scenario.yaml`` via :mod:`reports.read.settings`,
``events.jsonl`` via :mod:`reports.read.timeline`, ``requests.csv`` here; the edge log has
its own module). Runs end badly in practice, so this module tolerates
a missing or empty ``requests.csv``, a truncated last line in either log (the writer was
killed mid-line) and a run with no ``load-end`` event (interrupted): the load then ends
with the last request.

Times in the returned data are relative: ``t = ts - load_start`` in seconds.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from contracts.requests_csv import COLUMNS as REQUEST_COLUMNS
from contracts.requests_csv import interrupted
from reports.errors import RunFolderError
from reports.read.settings import Settings, read_settings
from reports.read.timeline import FaultWindow, fault_windows, first_ts, read_events, run_status

__all__ = ["FaultWindow", "Run", "Settings", "read_requests", "read_run"]

_ARROW_TYPES = {
    "ts": pa.float64(), "latency_ms": pa.float64(), "method": pa.string(),
    "name": pa.string(), "status": pa.int32(), "ok": pa.int8(), "bytes": pa.int64(),
    "x_cache": pa.string(), "origin": pa.string(), "pop": pa.string(),
    "user": pa.string(), "error": pa.string(),
}
# Few distinct values: categories keep a million rows small and groupbys fast.
_CATEGORIES = ("method", "x_cache", "origin", "pop", "user")


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
        frame = read_requests_parquet(parquet_path)
    else:
        frame = read_requests(csv_path)
    cut = frame["error"].astype(str).map(interrupted).to_numpy(dtype=bool) if len(frame) else None
    cut_short = int(cut.sum()) if cut is not None else 0
    if cut_short:
        frame = frame[~cut].reset_index(drop=True)
    start = _load_start(events, frame)
    frame["t"] = frame["ts"] - start
    duration = _duration(events, frame, start)
    faults = fault_windows(events, start, duration)
    return Run(path, settings, events, frame, start, duration, run_status(events), faults,
               cut_short)


def read_requests(path: Path) -> pd.DataFrame:
    """``requests.csv`` with explicit dtypes; an absent, empty or header-only file is empty."""
    data = path.read_bytes() if path.exists() else b""
    # Rows end with a newline; anything after the last one is a row cut off mid-write.
    data = data[: data.rfind(b"\n") + 1]
    if data.count(b"\n") < 2:
        return _empty_requests()
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(
                column_types=_ARROW_TYPES, include_columns=list(REQUEST_COLUMNS),
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        first = str(exc).splitlines()[0]
        raise RunFolderError(f"{path}: cannot read as requests.csv ({first})") from None
    return _typed(table)


def read_requests_parquet(path: Path) -> pd.DataFrame:
    """The Parquet form of the same table (same columns and types)."""
    try:
        table = pq.read_table(path, columns=list(REQUEST_COLUMNS))
    except (pa.ArrowInvalid, pa.ArrowKeyError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunFolderError(f"{path}: cannot read as requests.parquet ({first})") from None
    return _typed(table.cast(pa.schema([(c, _ARROW_TYPES[c]) for c in REQUEST_COLUMNS])))


def _typed(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    for column in ("method", "name", "x_cache", "origin", "pop", "user", "error"):
        frame[column] = frame[column].fillna("")
    for column in _CATEGORIES:
        frame[column] = frame[column].astype("category")
    frame = frame.dropna(subset=["ts"])
    return frame.reset_index(drop=True)


def _empty_requests() -> pd.DataFrame:
    frame = pd.DataFrame({
        "ts": pd.Series(dtype="float64"), "latency_ms": pd.Series(dtype="float64"),
        "method": pd.Series(dtype="str"), "name": pd.Series(dtype="str"),
        "status": pd.Series(dtype="int32"), "ok": pd.Series(dtype="int8"),
        "bytes": pd.Series(dtype="int64"), "x_cache": pd.Series(dtype="str"),
        "origin": pd.Series(dtype="str"), "pop": pd.Series(dtype="str"),
        "user": pd.Series(dtype="str"), "error": pd.Series(dtype="str"),
    })
    for column in _CATEGORIES:
        frame[column] = frame[column].astype("category")
    return frame


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
