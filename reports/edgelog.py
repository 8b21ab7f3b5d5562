"""The edge's access log (CloudFront standard-log format), cross-checked with requests.csv.

The log opens with ``#Version`` and ``#Fields: name name ...``; rows are tab-separated
with ``-`` for empty. Columns are found by their ``#Fields`` names, never by position,
so a log with extra or reordered fields still reads. The counts of the two logs differ a
little at the end of a run (viewers in flight when the load stopped), so a mismatch is
flagged only beyond :data:`MISMATCH_RATIO`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from reports.metrics import number

MISMATCH_RATIO = 0.02
_WANTED = ("x-edge-result-type", "sc-status", "x-origin-attempts", "x-failover-reason")


def read_edge_log(path: Path) -> pd.DataFrame | None:
    """The log's wanted columns as strings, or None when there is no usable log."""
    if not path.exists():
        return None
    data = path.read_bytes()
    fields = _fields(data)
    if fields is None:
        return None
    data = data[: data.rfind(b"\n") + 1]  # drop a row cut off mid-write
    wanted = [name for name in _WANTED if name in fields]
    if not wanted or not data:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in wanted})
    # Header lines ("#Version", "#Fields", repeated after an edge restart) have one
    # column, so the invalid-row handler drops them along with any malformed row.
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=fields),
        parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False,
                                         invalid_row_handler=lambda row: "skip"),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted, column_types={name: pa.string() for name in wanted},
            strings_can_be_null=False),
    )
    return table.to_pandas()


def _fields(data: bytes) -> list[str] | None:
    for line in data[:65536].splitlines():
        if line.startswith(b"#Fields:"):
            return line[len(b"#Fields:"):].decode("utf-8", "replace").split()
        if not line.startswith(b"#"):
            break
    return None


def _counts(series: pd.Series) -> dict[str, int]:
    counts = series[(series != "") & (series != "-")].value_counts()
    return {str(key): int(value) for key, value in counts.sort_index().items()}


def cross_check(path: Path, requests: pd.DataFrame) -> dict[str, Any]:
    """Request and result-type counts of the edge log next to those of requests.csv."""
    log = read_edge_log(path)
    if log is None:
        return {"available": False}
    edge_requests, csv_requests = len(log), len(requests)
    difference = abs(edge_requests - csv_requests)
    result: dict[str, Any] = {
        "available": True,
        "requests": edge_requests,
        "csv_requests": csv_requests,
        "difference_ratio": number(difference / max(csv_requests, edge_requests, 1), 4),
        "mismatch": difference > MISMATCH_RATIO * max(csv_requests, edge_requests, 1),
        "result_types": _counts(log["x-edge-result-type"]) if "x-edge-result-type" in log else {},
        "csv_x_cache": _counts(requests["x_cache"].astype("str")),
    }
    if "sc-status" in log:
        result["status"] = _counts(log["sc-status"])
    if "x-failover-reason" in log:
        reasons = _counts(log["x-failover-reason"])
        result["failovers"] = sum(reasons.values())
        result["failover_reasons"] = reasons
    return result
