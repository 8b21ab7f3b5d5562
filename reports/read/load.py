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
from typing import Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from contracts.requests_csv import COLUMNS as REQUEST_COLUMNS
from contracts.requests_csv import interrupted
from reports.errors import RunFolderError
from reports.read.settings import Settings, read_settings
from reports.read.timeline import FaultWindow, fault_windows, first_ts, read_events, run_status

__all__ = ["FaultWindow", "Run", "Settings", "read_requests", "read_run"]

# Text columns are dictionary-encoded as they are read: few distinct values (a method, a
# result word, a catalogue of paths, an error's kinds), so a million rows stay small,
# come out as categories and count fast, and no Python string is made per row.
_TEXT = pa.dictionary(pa.int32(), pa.string())
_ARROW_TYPES = {
    "ts": pa.float64(), "latency_ms": pa.float64(), "method": _TEXT,
    "name": _TEXT, "status": pa.int32(), "ok": pa.int8(), "bytes": pa.int64(),
    "x_cache": _TEXT, "origin": _TEXT, "pop": _TEXT,
    "user": _TEXT, "error": _TEXT,
}
_TEXT_COLUMNS = tuple(name for name, kind in _ARROW_TYPES.items() if kind == _TEXT)


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


def read_requests(path: Path) -> tuple[pd.DataFrame, int]:
    """``requests.csv`` with explicit dtypes, and how many rows the end of the load cut short
    (left out of the frame); an absent, empty or header-only file is empty."""
    if not path.exists():
        return _empty_requests(), 0
    size = path.stat().st_size
    # Rows end with a newline; anything after the last one is a row cut off mid-write.
    end = last_newline(path, size)
    with path.open("rb") as handle:
        header_end = handle.read(65536).find(b"\n")
    if end < 0 or header_end < 0 or header_end >= end:  # nothing, or a header and no row
        return _empty_requests(), 0
    try:
        with path.open("rb") as handle:
            table = pacsv.read_csv(
                pa.PythonFile(FirstBytes(handle, end + 1), mode="r"),
                parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
                convert_options=pacsv.ConvertOptions(
                    column_types=_ARROW_TYPES, include_columns=list(REQUEST_COLUMNS),
                    strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        first_line = str(exc).splitlines()[0]
        raise RunFolderError(f"{path}: cannot read as requests.csv ({first_line})") from None
    return _typed(table)


class FirstBytes(io.RawIOBase):
    """The first ``limit`` bytes of an open binary file, read as a stream (the parser reads
    a block at a time: the file is never all in memory, as a read or a map would leave it)."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        super().__init__()
        self._handle = handle
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: self._left]
        done = self._handle.readinto(view) or 0
        self._left -= done
        return done


def last_newline(path: Path, size: int) -> int:
    """The offset of the file's last newline (-1: none), read from its tail."""
    with path.open("rb") as handle:
        step = 1 << 16
        position = size
        while position > 0:
            start = max(0, position - step)
            handle.seek(start)
            found = handle.read(position - start).rfind(b"\n")
            if found >= 0:
                return start + found
            position = start
    return -1


def read_requests_parquet(path: Path) -> tuple[pd.DataFrame, int]:
    """The Parquet form of the same table (same columns and types)."""
    try:
        table = pq.read_table(path, columns=list(REQUEST_COLUMNS))
    except (pa.ArrowInvalid, pa.ArrowKeyError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunFolderError(f"{path}: cannot read as requests.parquet ({first})") from None
    for name in _TEXT_COLUMNS:  # empty, not null, as in requests.csv
        column = table[name]
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        table = table.set_column(table.schema.get_field_index(name), name, pc.fill_null(column, ""))
    return _typed(table.cast(pa.schema([(c, _ARROW_TYPES[c]) for c in REQUEST_COLUMNS])))


def _typed(table: pa.Table) -> tuple[pd.DataFrame, int]:
    """The frame of the rows with a time, and how many rows were cut short (left out)."""
    error = table["error"].combine_chunks() if table.num_rows else None
    keep = pc.is_valid(table["ts"])
    cut_short = 0
    if error is not None and len(error):
        # Decided once per distinct error text, then spread to the rows by their index.
        cut_kinds = pa.array([interrupted(text) for text in error.dictionary.to_pylist()], pa.bool_())
        cut = pc.fill_null(pc.take(cut_kinds, error.indices), False)
        cut_short = int(pc.sum(pc.and_(cut, keep)).as_py() or 0)
        keep = pc.and_(keep, pc.invert(cut))
    if not pc.all(keep).as_py():
        table = table.filter(keep)
    # Column by column, each Arrow buffer let go once converted: the peak is one copy, not two.
    return table.to_pandas(split_blocks=True, self_destruct=True), cut_short


def _empty_requests() -> pd.DataFrame:
    frame = pd.DataFrame({
        "ts": pd.Series(dtype="float64"), "latency_ms": pd.Series(dtype="float64"),
        "method": pd.Series(dtype="str"), "name": pd.Series(dtype="str"),
        "status": pd.Series(dtype="int32"), "ok": pd.Series(dtype="int8"),
        "bytes": pd.Series(dtype="int64"), "x_cache": pd.Series(dtype="str"),
        "origin": pd.Series(dtype="str"), "pop": pd.Series(dtype="str"),
        "user": pd.Series(dtype="str"), "error": pd.Series(dtype="str"),
    })
    for column in _TEXT_COLUMNS:
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
