"""The edge's access log (CloudFront standard-log format), cross-checked with requests.csv.

The log opens with ``#Version`` and ``#Fields: name name ...``; rows are tab-separated
with ``-`` for empty. Columns are found by their ``#Fields`` names, never by position,
so a log with extra or reordered fields still reads. The counts of the two logs differ a
little at the end of a run (viewers in flight when the load stopped), so a count is
flagged only when it differs by more than :data:`MISMATCH_RATIO` of the larger side and
more than :data:`MISMATCH_SLACK` requests.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from contracts.requests_csv import HIT_WORDS
from reports.read.load import FirstBytes, last_newline
from reports.values import number

MISMATCH_RATIO = 0.02
MISMATCH_SLACK = 3  # requests: tiny counts may differ by the few in flight
_WANTED = ("x-edge-result-type", "x-edge-detailed-result-type", "sc-status", "x-origin-attempts", "x-failover-reason",
           "x-edge-code-ms",
           "fle-status", "fle-encrypted-fields")
_NUMBERS = ("x-edge-code-ms", "fle-encrypted-fields")  # read as text, converted where summed


def read_edge_log(path: Path) -> pd.DataFrame | None:
    """The log's wanted columns as strings, or None when there is no usable log.

    The last log read is kept (keyed by path, size and mtime): the cross-check and the
    security section both read it, and a million-row log costs a second to parse.
    """
    if not path.exists():
        return None
    stat = path.stat()
    return _read_cached(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _read_cached(name: str, _size: int, _mtime_ns: int) -> pd.DataFrame | None:
    path = Path(name)
    with path.open("rb") as handle:
        fields = _fields(handle.read(65536))
    if fields is None:
        return None
    end = last_newline(path, path.stat().st_size)  # drop a row cut off mid-write
    wanted = [name for name in _WANTED if name in fields]
    if not wanted or end < 0:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in wanted})
    # Header lines ("#Version", "#Fields", repeated after an edge restart) have one
    # column, so the invalid-row handler drops them along with any malformed row. Words
    # and statuses are dictionary-encoded (few distinct values: categories, counted fast).
    with path.open("rb") as handle:
        table = pacsv.read_csv(
            pa.PythonFile(FirstBytes(handle, end + 1), mode="r"),
            read_options=pacsv.ReadOptions(column_names=fields),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False,
                                             invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, strings_can_be_null=False,
                column_types={name: pa.string() if name in _NUMBERS else pa.dictionary(pa.int32(), pa.string())
                              for name in wanted}),
        )
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _fields(data: bytes) -> list[str] | None:
    for line in data[:65536].splitlines():
        if line.startswith(b"#Fields:"):
            return line[len(b"#Fields:"):].decode("utf-8", "replace").split()
        if not line.startswith(b"#"):
            break
    return None


def _counts(series: pd.Series) -> dict[str, int]:
    """How often each value occurs, by its text; empty and ``-`` left out.

    Counted first and turned into text after: a million categorical or integer values
    are never converted to strings one by one.
    """
    counts: dict[str, int] = {}
    for key, value in series.value_counts(sort=False).items():
        text = str(key)
        if value and text not in ("", "-"):
            counts[text] = counts.get(text, 0) + int(value)
    return dict(sorted(counts.items()))


def differs(edge: int, csv: int) -> bool:
    """A count pair that disagrees beyond the tolerance (in-flight requests at the end)."""
    return abs(edge - csv) > max(MISMATCH_RATIO * max(edge, csv), MISMATCH_SLACK)


def origin_attempts(attempts: pd.Series) -> dict[str, dict[str, int]]:
    """``x-origin-attempts`` (``primary:503|secondary:200``) counted per origin and result."""
    tried: dict[str, dict[str, int]] = {}
    # Few distinct strings even in a million rows: parse each distinct value once.
    for text, count in attempts[(attempts != "") & (attempts != "-")].value_counts().items():
        if not count:  # a category no row has
            continue
        for attempt in str(text).split("|"):
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
    edge_requests, csv_requests = len(log), len(requests)
    difference = abs(edge_requests - csv_requests)
    result_types = _counts(log["x-edge-result-type"]) if "x-edge-result-type" in log else {}
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
    if "sc-status" in log:
        result["status"] = _counts(log["sc-status"])
        rows += _side_by_side("status", result["status"], csv_status)
    if "x-failover-reason" in log:
        reasons = _counts(log["x-failover-reason"])
        result["failovers"] = sum(reasons.values())
        result["failover_reasons"] = reasons
    if "x-origin-attempts" in log:
        result["origin_attempts"] = origin_attempts(log["x-origin-attempts"])
    if "x-edge-detailed-result-type" in log:  # edge code's outcomes (FunctionExecutionError, ...) among them
        result["detailed_result_types"] = _counts(log["x-edge-detailed-result-type"])
    if "x-edge-code-ms" in log:  # time in edge code, over the requests that ran some
        spent = pd.to_numeric(log["x-edge-code-ms"], errors="coerce").dropna()
        if len(spent):
            result["edge_code_ms"] = {"requests": int(len(spent)),
                                      "p50": number(float(spent.quantile(0.5)), 3),
                                      "p99": number(float(spent.quantile(0.99)), 3),
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
    if log is None or "fle-status" not in log:
        return None
    used = log[(log["fle-status"] != "") & (log["fle-status"] != "-")]
    if used.empty:
        return None
    fields = used["fle-encrypted-fields"] if "fle-encrypted-fields" in used else pd.Series(dtype="str")
    encrypted = int(pd.to_numeric(fields, errors="coerce").fillna(0).sum())
    return {"requests": len(used), "encrypted_fields": encrypted, "by_status": _counts(used["fle-status"])}
