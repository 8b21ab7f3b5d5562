"""Fault labels on the charts: close starts go on separate rows, distant ones share a row."""

from __future__ import annotations

import pytest

from reports.read.timeline import FaultWindow
from reports.render.chartkit import end_text, label_rows


def _fault(fault_id: int, t0: float, closed: bool = True) -> FaultWindow:
    return FaultWindow(fault_id, "primary", "kill", t0, t0 + 5, closed, end_kind="restart" if closed else "")


@pytest.mark.parametrize("starts, rows", [
    ((5.0, 30.0), [0, 0]),            # far apart on a 40 s axis: one row
    ((12.0, 12.1), [0, 1]),           # both origins killed together: stacked
    ((12.0, 12.1, 12.2), [0, 1, 2]),
    ((10.0, 10.5, 30.0), [0, 1, 0]),  # the third fits on the first row again
])
def test_label_rows(starts: tuple[float, ...], rows: list[int]) -> None:
    faults = [_fault(i, t0) for i, t0 in enumerate(starts)]
    assert label_rows(faults, 0.0, 40.0) == rows


def test_prefix_widens_labels() -> None:
    # "#0 primary kill" is 15 characters, about 12 % of the width; with a long prefix the
    # second label no longer fits beside the first.
    faults = [_fault(0, 0.0, closed=False), _fault(1, 6.0)]
    assert label_rows(faults, 0.0, 40.0) == [0, 0]
    assert label_rows(faults, 0.0, 40.0, prefix="a long prefix ") == [0, 1]


def test_end_labels_take_room_too() -> None:
    # "restart #0" at t1 = 5 s reaches past 6 s: the next fault's label moves down a row.
    assert end_text(_fault(0, 0.0)) == "restart #0"
    assert label_rows([_fault(0, 0.0), _fault(1, 6.0)], 0.0, 40.0) == [0, 1]
    assert label_rows([_fault(0, 0.0), _fault(1, 9.0)], 0.0, 40.0) == [0, 0]
