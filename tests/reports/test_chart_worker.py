"""Charts drawn in the worker process: the same PNGs as drawn here, a clear error when a chart
fails there, and a worker that never outlives the report's process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports.build import build_report
from reports.render.chart_worker import Charts
from reports.render.chartdata import Job
from tests.reports import synth

ROOT = Path(__file__).resolve().parents[2]


def test_charts_drawn_apart_are_the_charts_drawn_here(tmp_path: Path) -> None:
    here, apart = synth.make_run(tmp_path / "here"), synth.make_run(tmp_path / "apart")
    assert build_report(here, charts_apart=False) == build_report(apart, charts_apart=True)
    names = sorted(p.name for p in (here / "plots").glob("*.png"))
    assert len(names) == 8  # seven charts and the fault's close-up
    assert names == sorted(p.name for p in (apart / "plots").glob("*.png"))
    for name in names:
        assert (here / "plots" / name).read_bytes() == (apart / "plots" / name).read_bytes(), name


def test_a_chart_that_fails_in_the_worker_is_said(tmp_path: Path) -> None:
    charts = Charts(tmp_path / "plots", apart=True)
    with pytest.raises(RuntimeError) as caught:
        with charts:
            charts.draw(Job("odd", "no-such-drawing", {}))
            charts.close()
    assert "stopped (exit 1) after drawing [] of ['odd']" in str(caught.value)
    assert "KeyError: 'no-such-drawing'" in str(caught.value)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_worker_ends_with_the_report(tmp_path: Path, how: signal.Signals) -> None:
    script = ("import sys, time; from pathlib import Path; from reports.render.chart_worker import Charts\n"
              "charts = Charts(Path(sys.argv[1]), apart=True); print(charts._worker.pid, flush=True)\n"
              "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "plots")], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    os.kill(parent.pid, how)
    parent.wait(timeout=10)
    parent.stdout.close()
    # The worker reads its jobs from the parent's pipe: the end of the parent is its end. It
    # may be loading matplotlib first (about 0.3 s), so it is given generous time.
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker)
