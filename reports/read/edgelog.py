"""The edge's access log (CloudFront standard-log format), cross-checked with requests.csv.

The log opens with ``#Version`` and ``#Fields: name name ...``; rows are tab-separated
with ``-`` for empty. Columns are found by their ``#Fields`` names, never by position,
so a log with extra or reordered fields still reads. The counts of the two logs differ a
little at the end of a run (viewers in flight when the load stopped), so a count is
flagged only when it differs by more than :data:`MISMATCH_RATIO` of the larger side and
more than :data:`MISMATCH_SLACK` requests.

The report needs counts from the log, not its rows: it is streamed through Arrow's parser a
block at a time and counted as it passes (:class:`EdgeLog`), so a log of any length costs the
same memory. Only the time spent in edge code is kept per row, for its percentiles.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from contracts.requests_csv import HIT_WORDS
from reports.read.files import FirstBytes, last_newline
from reports.values import number

MISMATCH_RATIO = 0.02
MISMATCH_SLACK = 3  # requests: tiny counts may differ by the few in flight
BLOCK_BYTES = 1 << 19  # the parser reads several blocks ahead: 34 MiB in all at 256 KiB, 64 at 1 MiB
_COUNTED = ("x-edge-result-type", "x-edge-detailed-result-type", "sc-status", "x-origin-attempts",
            "x-failover-reason", "fle-status")  # value -> rows
CODE_MS, FLE_STATUS, FLE_FIELDS = "x-edge-code-ms", "fle-status", "fle-encrypted-fields"
_WANTED = (*_COUNTED, CODE_MS, FLE_FIELDS)
EMPTY = ("", "-")  # no value in either log


@dataclass(frozen=True)
class EdgeLog:
    """What the report takes from the edge log: rows, and per counted column how many rows
    hold each value (empty and ``-`` included); edge-code times; the FLE rows' figures."""

    rows: int
    counts: dict[str, dict[str, int]]
    code_ms: np.ndarray  # x-edge-code-ms of every row that ran edge code
    fle_requests: int  # rows with an fle-status
    fle_encrypted: int  # fle-encrypted-fields summed over those rows


def read_edge_log(path: Path, block_bytes: int = BLOCK_BYTES) -> EdgeLog | None:
    """The log's counts, or None when there is no usable log (no file, no ``#Fields``).

    The last log read is kept (keyed by path, size and mtime): the cross-check and the
    security section both read it.
    """
    if not path.exists():
        return None
    stat = path.stat()
    return _read_cached(str(path), stat.st_size, stat.st_mtime_ns, block_bytes)


@functools.lru_cache(maxsize=1)
def _read_cached(name: str, _size: int, _mtime_ns: int, block_bytes: int) -> EdgeLog | None:
    path = Path(name)
    with path.open("rb") as handle:
        fields = _fields(handle.read(65536))
    if fields is None:
        return None
    wanted = [name for name in _WANTED if name in fields]
    log = _Tally(wanted)
    end = last_newline(path, path.stat().st_size)  # drop a row cut off mid-write
    if wanted and end >= 0:
        # Header lines ("#Version", "#Fields", repeated after an edge restart) have one
        # column, so the invalid-row handler drops them along with any malformed row.
        with path.open("rb") as handle:
            reader = pacsv.open_csv(
                pa.PythonFile(FirstBytes(handle, end + 1), mode="r"),
                read_options=pacsv.ReadOptions(column_names=fields, block_size=block_bytes),
                parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False,
                                                 invalid_row_handler=lambda row: "skip"),
                convert_options=pacsv.ConvertOptions(
                    include_columns=wanted, strings_can_be_null=False,
                    column_types={name: pa.string() for name in wanted}),
            )
            for batch in reader:
                log.add(batch)
        pa.default_memory_pool().release_unused()  # the blocks' memory, kept by Arrow's allocator
    return log.result()


class _Tally:
    """Counts of an edge log, a batch of rows at a time."""

    def __init__(self, wanted: list[str]) -> None:
        self.columns = frozenset(wanted)
        self.rows = 0
        self.counts: dict[str, dict[str, int]] = {name: {} for name in _COUNTED if name in self.columns}
        self.code_ms: list[np.ndarray] = []
        self.fle_requests = self.fle_encrypted = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        for name, counts in self.counts.items():
            tally = pc.value_counts(batch.column(name))
            for value, count in zip(tally.field("values").to_pylist(), tally.field("counts").to_pylist()):
                counts[value] = counts.get(value, 0) + count
        if CODE_MS in self.columns:  # most lines say "-" (no edge code): only the others are parsed
            spent = _numbers(pc.filter(batch.column(CODE_MS), _valued(batch.column(CODE_MS))))
            self.code_ms.append(spent[~np.isnan(spent)])
        if FLE_STATUS in self.columns:
            used = _valued(batch.column(FLE_STATUS))
            count = int(pc.sum(used).as_py() or 0)
            self.fle_requests += count
            if count and FLE_FIELDS in self.columns:
                encrypted = _numbers(pc.filter(batch.column(FLE_FIELDS), used))
                self.fle_encrypted += int(np.nansum(encrypted))

    def result(self) -> EdgeLog:
        code_ms = np.concatenate(self.code_ms) if self.code_ms else np.array([], dtype="float64")
        return EdgeLog(self.rows, self.counts, code_ms, self.fle_requests, self.fle_encrypted)


def _valued(column: pa.Array) -> pa.Array:
    """Which rows hold a value (neither empty nor ``-``)."""
    return pc.invert(pc.is_in(column, pa.array(EMPTY)))


def _numbers(column: pa.Array) -> np.ndarray:
    """A text column as floats; NaN where it holds no number (``-``, empty, garbage)."""
    return pd.to_numeric(pd.Series(column.to_numpy(zero_copy_only=False)), errors="coerce").to_numpy("float64")


def _fields(data: bytes) -> list[str] | None:
    for line in data[:65536].splitlines():
        if line.startswith(b"#Fields:"):
            return line[len(b"#Fields:"):].decode("utf-8", "replace").split()
        if not line.startswith(b"#"):
            break
    return None


def _words(counts: dict[Any, int]) -> dict[str, int]:
    """Counts by text, sorted; empty and ``-`` left out."""
    words: dict[str, int] = {}
    for key, value in counts.items():
        text = str(key)
        if value and text not in EMPTY:
            words[text] = words.get(text, 0) + int(value)
    return dict(sorted(words.items()))


def _counts(series: pd.Series) -> dict[str, int]:
    """How often each value of a requests.csv column occurs, by its text; empty and ``-`` left
    out. Counted first and turned into text after: a million categorical or integer values
    are never converted to strings one by one."""
    return _words(dict(series.value_counts(sort=False).items()))


def differs(edge: int, csv: int) -> bool:
    """A count pair that disagrees beyond the tolerance (in-flight requests at the end)."""
    return abs(edge - csv) > max(MISMATCH_RATIO * max(edge, csv), MISMATCH_SLACK)


def origin_attempts(attempts: dict[str, int]) -> dict[str, dict[str, int]]:
    """``x-origin-attempts`` values (``primary:503|secondary:200``) with their row counts,
    counted per origin and result."""
    tried: dict[str, dict[str, int]] = {}
    for text, count in attempts.items():
        if not count or text in EMPTY:
            continue
        for attempt in text.split("|"):
            origin, _, result = attempt.rpartition(":")
            if origin:
                per_origin = tried.setdefault(origin, {})
                per_origin[result] = per_origin.get(result, 0) + int(count)
    return {origin: dict(sorted(results.items())) for origin, results in sorted(tried.items())}


def _side_by_side(what: str, edge: dict[str, int], csv: dict[str, int]) -> list[dict[str, Any]]:
    return [{"what": f"{what} {key}", "edge": edge.get(key, 0), "csv": csv.get(key, 0),
             "mismatch": differs(edge.get(key, 0), csv.get(key, 0))}
            for key in sorted(set(edge) | set(csv))]


def cross_check(path: Path, requests: pd.DataFrame) -> dict[str, Any]:
    """Counts of the edge log next to those of requests.csv, row by row, with a verdict.

    Compared: requests, result types (``x-edge-result-type`` vs ``X-Cache``) and status
    codes. Also which origins the edge tried (``x-origin-attempts``) next to the origins
    viewers saw on misses and errors (hits name the origin that filled the cache).
    """
    log = read_edge_log(path)
    if log is None:
        return {"available": False, "reason": f"not available: no edge log ({path.name}) in "
                                              "the run folder, e.g. a run against a real distribution"}
    counts = log.counts
    edge_requests, csv_requests = log.rows, len(requests)
    difference = abs(edge_requests - csv_requests)
    result_types = _words(counts.get("x-edge-result-type", {}))
    csv_x_cache = _counts(requests["x_cache"])
    csv_status = _counts(requests.loc[requests["status"] != 0, "status"])
    rows = [{"what": "requests", "edge": edge_requests, "csv": csv_requests,
             "mismatch": differs(edge_requests, csv_requests)}]
    rows += _side_by_side("result", result_types, csv_x_cache)
    result: dict[str, Any] = {
        "available": True,
        "requests": edge_requests,
        "csv_requests": csv_requests,
        "difference_ratio": number(difference / max(csv_requests, edge_requests, 1), 4),
        "result_types": result_types,
        "csv_x_cache": csv_x_cache,
        "csv_status": csv_status,
        "csv_no_response": int((requests["status"] == 0).sum()),
    }
    if "sc-status" in counts:
        result["status"] = _words(counts["sc-status"])
        rows += _side_by_side("status", result["status"], csv_status)
    if "x-failover-reason" in counts:
        reasons = _words(counts["x-failover-reason"])
        result["failovers"] = sum(reasons.values())
        result["failover_reasons"] = reasons
    if "x-origin-attempts" in counts:
        result["origin_attempts"] = origin_attempts(counts["x-origin-attempts"])
    if "x-edge-detailed-result-type" in counts:  # edge code's outcomes (FunctionExecutionError, ...) among them
        result["detailed_result_types"] = _words(counts["x-edge-detailed-result-type"])
    if log.code_ms.size:  # time in edge code, over the requests that ran some
        spent = log.code_ms
        result["edge_code_ms"] = {"requests": int(spent.size),
                                  "p50": number(float(np.quantile(spent, 0.5)), 3),
                                  "p99": number(float(np.quantile(spent, 0.99)), 3),
                                  "max": number(float(spent.max()), 3)}
    not_hits = requests[~requests["x_cache"].isin(HIT_WORDS)]
    result["csv_origin_not_hits"] = _counts(not_hits["origin"])
    result["csv_origin"] = _counts(requests["origin"])
    result["rows"] = rows
    result["mismatch"] = any(row["mismatch"] for row in rows)
    return result


def fle_counts(path: Path) -> dict[str, Any] | None:
    """``fle-status`` words and the sum of ``fle-encrypted-fields``; None without FLE rows."""
    log = read_edge_log(path)
    if log is None or not log.fle_requests:
        return None
    return {"requests": log.fle_requests, "encrypted_fields": log.fle_encrypted,
            "by_status": _words(log.counts[FLE_STATUS])}
