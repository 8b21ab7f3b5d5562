"""``requests.csv`` (or ``requests.parquet``, same columns and types) as a DataFrame of compact
columns, and how many rows the end of the load cut short.

Runs end badly in practice, so a missing or empty file is an empty frame, a row cut off
mid-write is dropped, and so is a row with the wrong number of fields or a number missing.
The file is read a piece at a time into columns of their final types: its text, and Arrow's
table of it, are never whole in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from contracts.requests_csv import COLUMNS as REQUEST_COLUMNS
from contracts.requests_csv import interrupted
from reports.errors import RunFolderError
from reports.read.files import FirstBytes, last_newline

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
_NUMBER_COLUMNS = tuple(name for name in _ARROW_TYPES if name not in _TEXT_COLUMNS)  # "ts" first
_NUMPY_TYPES = {name: np.dtype(kind.to_pandas_dtype()) for name, kind in _ARROW_TYPES.items() if kind != _TEXT}
PIECE_BYTES = 32 << 20  # of requests.csv parsed at a time


def read_requests(path: Path, piece_bytes: int = PIECE_BYTES) -> tuple[pd.DataFrame, int]:
    """``requests.csv`` with explicit dtypes, and how many rows the end of the load cut short
    (left out of the frame); an absent, empty or header-only file is empty.

    Read a piece of about ``piece_bytes`` at a time, each cut at a row's end and parsed by
    Arrow on every core, then added to compact columns (:class:`_Columns`): the file's text
    and Arrow's table of it are never whole in memory, only one piece of them.
    """
    if not path.exists():
        return _empty_requests(), 0
    size = path.stat().st_size
    # Rows end with a newline; anything after the last one is a row cut off mid-write.
    end = last_newline(path, size)
    with path.open("rb") as handle:
        head = handle.read(65536)
    header_end = head.find(b"\n")
    if end < 0 or header_end < 0 or header_end >= end:  # nothing, or a header and no row
        return _empty_requests(), 0
    names = next(csv.reader([head[:header_end].decode("utf-8", "replace").rstrip("\r")]))
    columns = _Columns()
    try:
        with path.open("rb") as handle:
            for start, length in _pieces(handle, header_end + 1, end + 1, piece_bytes):
                handle.seek(start)
                table = pacsv.read_csv(
                    pa.PythonFile(FirstBytes(handle, length), mode="r"),
                    read_options=pacsv.ReadOptions(column_names=names),
                    parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
                    convert_options=pacsv.ConvertOptions(
                        column_types=_ARROW_TYPES, include_columns=list(REQUEST_COLUMNS),
                        strings_can_be_null=False, quoted_strings_can_be_null=False),
                )
                if start == header_end + 1:  # rows to expect, from the first piece's share of the file
                    columns.expect(int(table.num_rows * (end - header_end) / length * 1.02) + 1024)
                for batch in table.to_batches():
                    columns.add(batch)
                del table
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        first_line = str(exc).splitlines()[0]
        raise RunFolderError(f"{path}: cannot read as requests.csv ({first_line})") from None
    pa.default_memory_pool().release_unused()  # the pieces' memory, kept by Arrow's allocator
    return columns.frame(), columns.cut_short


def _pieces(handle: BinaryIO, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of consecutive pieces of ``[start, end)``, each about ``size`` bytes
    and ending just after a newline (``end`` is one)."""
    while start < end:
        cut = min(start + size, end)
        if cut < end:
            handle.seek(cut - 1)
            # The row that straddles the cut goes with this piece (one row is far below 1 MiB).
            tail = handle.read(1 << 20)
            found = tail.find(b"\n")
            cut = end if found < 0 else min(cut + found, end)
        yield start, cut - start
        start = cut


def read_requests_parquet(path: Path) -> tuple[pd.DataFrame, int]:
    """The Parquet form of the same table (same columns and types), a row group at a time."""
    columns = _Columns()
    try:
        # Text read as dictionaries: no string a row, as for requests.csv.
        with pq.ParquetFile(path, read_dictionary=list(_TEXT_COLUMNS)) as data:
            columns.expect(data.metadata.num_rows)
            for batch in data.iter_batches(batch_size=16384, columns=list(REQUEST_COLUMNS)):
                columns.add(_as_csv_types(batch))
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowNotImplementedError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunFolderError(f"{path}: cannot read as requests.parquet ({first})") from None
    pa.default_memory_pool().release_unused()  # the row groups' memory, kept by Arrow's allocator
    return columns.frame(), columns.cut_short


def _as_csv_types(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A Parquet batch with the types requests.csv is read with; text empty, not null."""
    arrays = []
    for name in REQUEST_COLUMNS:
        column = batch.column(name)
        if name in _TEXT_COLUMNS:
            if not pa.types.is_dictionary(column.type) or column.null_count or \
                    not pa.types.is_string(column.type.value_type):
                column = pc.fill_null(column.cast(pa.string()), "").dictionary_encode()
        else:
            column = column.cast(_ARROW_TYPES[name])
        arrays.append(column)
    return pa.record_batch(arrays, names=list(REQUEST_COLUMNS))


class _Columns:
    """The request table filled a batch at a time into arrays of the final types: numbers as
    they are, text as codes into categories shared by every batch (a method, a result word,
    a path: few distinct values), one byte a row while a column has fewer than 128 of them.
    About 36 bytes a row in all; the arrays grow by a quarter when the expected row count
    (:meth:`expect`) falls short. Rows missing a number (malformed, like a row with the wrong
    number of fields) and rows the end of the load cut short (counted in ``cut_short``) are
    left out as they arrive."""

    def __init__(self) -> None:
        self.rows = 0
        self.arrays: dict[str, np.ndarray] = {}
        self.categories: dict[str, dict[str, int]] = {name: {} for name in _TEXT_COLUMNS}
        self.cut_short = 0

    def expect(self, rows: int) -> None:
        """Make room for ``rows`` rows in all."""
        if not self.arrays:
            self.arrays = {name: np.empty(rows, _NUMPY_TYPES.get(name, np.int8)) for name in REQUEST_COLUMNS}
        elif rows > len(self.arrays["ts"]):
            self.arrays = {name: _grown(values, self.rows, rows) for name, values in self.arrays.items()}

    def add(self, batch: pa.RecordBatch) -> None:
        keep = pc.is_valid(batch.column("ts"))
        for name in _NUMBER_COLUMNS[1:]:
            if batch.column(name).null_count:
                keep = pc.and_(keep, pc.is_valid(batch.column(name)))
        error = batch.column("error")
        # Decided once per distinct error text, then spread to the rows by their index.
        cut_kinds = np.array([interrupted(text) for text in error.dictionary.to_pylist()], dtype=bool)
        keep_rows = keep.to_numpy(zero_copy_only=False)
        if cut_kinds.any():
            cut = cut_kinds[error.indices.to_numpy(zero_copy_only=False)]
            self.cut_short += int((cut & keep_rows).sum())
            keep_rows = keep_rows & ~cut
        whole = bool(keep_rows.all())
        count = batch.num_rows if whole else int(keep_rows.sum())
        if self.rows + count > len(self.arrays.get("ts", ())):
            self.expect(max(self.rows + count, int(len(self.arrays.get("ts", ())) * 1.25)))
        into = slice(self.rows, self.rows + count)
        for name in REQUEST_COLUMNS:
            column = batch.column(name)
            if name in self.categories:
                known = self.categories[name]
                # This batch's own dictionary, mapped onto the categories seen so far.
                mapping = np.array([known.setdefault(text, len(known)) for text in column.dictionary.to_pylist()],
                                   dtype=np.int32)
                if len(known) > np.iinfo(self.arrays[name].dtype).max + 1:
                    wider = np.int16 if len(known) <= 1 << 15 else np.int32
                    self.arrays[name] = self.arrays[name].astype(wider)
                values = mapping[column.indices.to_numpy(zero_copy_only=False)] if len(mapping) else 0
            else:
                values = column.to_numpy(zero_copy_only=False)
            self.arrays[name][into] = values if whole or not np.ndim(values) else values[keep_rows]
        self.rows += count

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return _empty_requests()
        data: dict[str, Any] = {}
        for name in REQUEST_COLUMNS:
            values = self.arrays[name][: self.rows]  # a view: room never filled is never touched
            if name in self.categories:
                categories = pd.Index(list(self.categories[name]), dtype="str")
                data[name] = pd.Categorical.from_codes(values, dtype=pd.CategoricalDtype(categories))
            else:
                data[name] = values
        return pd.DataFrame(data, copy=False)


def _grown(values: np.ndarray, used: int, rows: int) -> np.ndarray:
    grown = np.empty(rows, values.dtype)
    grown[:used] = values[:used]
    return grown


def _empty_requests() -> pd.DataFrame:
    return pd.DataFrame({
        name: pd.Categorical([], categories=pd.Index([], dtype="str")) if name in _TEXT_COLUMNS
        else np.array([], dtype=_NUMPY_TYPES[name]) for name in REQUEST_COLUMNS})
