"""The edge log is counted as it streams past: the same figures whatever the block size, with
restart headers, a malformed row and a row cut off mid-write left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.pop.logline import FIELDS, HEADER
from reports.read.edgelog import cross_check, fle_counts, read_edge_log
from reports.read.load import read_run
from tests.reports import synth


def _line(**values: str) -> str:
    cells = dict.fromkeys(FIELDS, "-")
    cells.update({name.replace("_", "-"): value for name, value in values.items()})
    return "\t".join(cells[f] for f in FIELDS) + "\n"


def _log(path: Path) -> Path:
    """60 rows in three runs of the edge (a header before each), garbage, and a cut last row."""
    lines = [HEADER]
    for i in range(60):
        if i in (20, 40):
            lines += [HEADER, "not\ta\tlog\tline\n"]
        fle = i % 4 == 0  # 15 FLE rows, 1 or 2 fields each: 7 x 2 + 8 x 1 = 22
        lines.append(_line(x_edge_result_type="Hit" if i % 3 else "Miss", sc_status="200",
                           x_edge_code_ms=f"{i / 10:.3f}" if i < 50 else "-",
                           fle_status="Processed" if fle else "-",
                           fle_encrypted_fields=str(1 + i % 8 // 4) if fle else "-",
                           x_origin_attempts="primary:503|secondary:200" if i % 3 == 0 else "-"))
    path.write_text("".join(lines) + _line(x_edge_result_type="Hit")[:40])  # cut mid-row
    return path


@pytest.mark.parametrize("block_bytes", [512, 1 << 20])
def test_counts_do_not_depend_on_the_block_size(tmp_path: Path, block_bytes: int) -> None:
    log = read_edge_log(_log(tmp_path / "edge-access.log"), block_bytes)
    assert log is not None
    assert log.rows == 60
    assert log.counts["x-edge-result-type"] == {"Hit": 40, "Miss": 20}
    assert log.counts["x-origin-attempts"] == {"primary:503|secondary:200": 20, "-": 40}
    assert sorted(log.code_ms.tolist()) == [i / 10 for i in range(50)]
    assert (log.fle_requests, log.fle_encrypted) == (15, 22)


def test_cross_check_and_fle_from_the_counts(tmp_path: Path) -> None:
    folder = synth.make_run(tmp_path / "run")
    _log(folder / "edge-access.log")
    check = cross_check(folder / "edge-access.log", read_run(folder).requests)
    assert check["requests"] == 60 and check["result_types"] == {"Hit": 40, "Miss": 20}
    assert check["origin_attempts"] == {"primary": {"503": 20}, "secondary": {"200": 20}}
    # Linear interpolation between rows, as every percentile of the report.
    assert check["edge_code_ms"] == {"requests": 50, "p50": 2.45, "p99": 4.851, "max": 4.9}
    assert fle_counts(folder / "edge-access.log") == {
        "requests": 15, "encrypted_fields": 22, "by_status": {"Processed": 15}}


def test_no_fields_line_is_no_log(tmp_path: Path) -> None:
    path = tmp_path / "edge-access.log"
    path.write_text("Hit\t200\n")
    assert read_edge_log(path) is None
    assert cross_check(path, read_run(synth.make_run(tmp_path / "run")).requests)["available"] is False
