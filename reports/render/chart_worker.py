"""The charts of a large run drawn in a second process while this one works out the summary.

A report of a million requests spends about as long drawing its charts (matplotlib, most of
it Python) as reading and summing the rows; with two cores the two can overlap. The worker
is started first (:func:`start_early`, before ``python -m reports build`` loads pandas), so
it loads matplotlib and draws a first figure while this process loads pandas and reads the
rows; each chart's data (:class:`~reports.render.chartdata.Job`: a few arrays, never the
rows) is sent to it pickled as soon as it is made, and it answers with the chart's name once
the PNG is written. :class:`Charts` draws in this process instead when the run is small:
starting a process would cost more than it saves.

The worker reads its jobs from a pipe: when this process ends in any way (an error, Ctrl-C,
SIGTERM, SIGKILL), the pipe closes and the worker ends after the chart it is drawing.

    python -m reports.render.chart_worker     (started by Charts, not by people)
"""

from __future__ import annotations

import gc
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from reports.render.chartdata import Job

ROOT = Path(__file__).resolve().parents[2]
# From here a worker pays for itself. Measured on two cores (the build's wall time in-process
# against apart, and the CPU the worker adds): 100,000 requests 1.36 -> 1.30 s for +0.3 s of
# CPU, 300,000 1.52 -> 1.40 s for +0.4 s, 1,000,000 about 2.6 -> 1.7 s.
APART_ROWS = 250_000
CSV_ROW_BYTES = 90  # about, in a run's requests.csv: to judge its rows from its size


def many_rows(run_dir: Path) -> bool:
    """Has the run folder enough requests that its charts are best drawn apart?"""
    csv, parquet = run_dir / "requests.csv", run_dir / "requests.parquet"
    if csv.is_file():
        return csv.stat().st_size >= APART_ROWS * CSV_ROW_BYTES
    if parquet.is_file():
        import pyarrow.parquet as pq

        try:
            return bool(pq.read_metadata(parquet).num_rows >= APART_ROWS)
        except Exception:  # not Parquet: the reader says so, with the file's name
            return False
    return False


def worker_command() -> list[str]:
    """How the worker is started (the benchmark wraps it to measure the worker's memory)."""
    return [sys.executable, "-m", "reports.render.chart_worker"]


_started: list[subprocess.Popen[bytes]] = []  # by start_early, for the next Charts


def _start() -> subprocess.Popen[bytes]:
    return subprocess.Popen(worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)


def start_early(run_dir: Path) -> None:
    """Start the worker now if ``run_dir`` will want one: it gets ready while this process
    loads pandas. The next :class:`Charts` that draws apart takes it."""
    if not _started and many_rows(run_dir):
        _started.append(_start())


class Charts:
    """Draws jobs into ``out_dir``: in the worker process when ``apart``, else here.
    :meth:`close` waits for the last chart and returns name -> PNG path, in the order drawn."""

    def __init__(self, out_dir: Path, apart: bool) -> None:
        self.out_dir = Path(out_dir).resolve()
        self.written: dict[str, Path] = {}
        self._worker: subprocess.Popen[bytes] | None = None
        if apart:
            self._worker = _started.pop() if _started else _start()

    def draw(self, job: Job) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self._worker is None:
            from reports.render.draw import draw  # matplotlib, loaded once a chart is drawn here

            self.written[job.name] = draw(job, self.out_dir)
            return
        assert self._worker.stdin is not None
        try:
            pickle.dump((self.out_dir, job), self._worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._worker.stdin.flush()
        except BrokenPipeError:
            pass  # the worker has ended: close() says why
        self.written[job.name] = self.out_dir / f"{job.name}.png"

    def close(self) -> dict[str, Path]:
        if self._worker is not None:
            worker, self._worker = self._worker, None
            out, err = worker.communicate()
            drawn = out.decode("utf-8", "replace").split()
            if worker.returncode != 0 or drawn != list(self.written):
                raise RuntimeError(f"the chart worker stopped (exit {worker.returncode}) after drawing "
                                   f"{drawn} of {list(self.written)}: {err.decode('utf-8', 'replace').strip()}")
        return dict(self.written)

    def __enter__(self) -> Charts:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._worker is not None:  # left early: the charts are not wanted any more
            self._worker.kill()
            self._worker.communicate()
            self._worker = None


def main() -> int:
    from reports.render.chartkit import new_figure, save
    from reports.render.draw import draw

    # A first figure, drawn while the rows are still being read: fonts, the PNG writer and
    # matplotlib's caches load now (about 0.4 s), not when the first chart is waited for.
    figure, axes = new_figure("warming up")
    axes.plot([0, 1], [1, 2], label="a line")
    axes.legend()
    save(figure, io.BytesIO())
    source = sys.stdin.buffer
    while True:
        try:
            out_dir, job = pickle.load(source)
        except EOFError:  # every job sent, or the report's process has ended
            return 0
        draw(job, out_dir)
        print(job.name, flush=True)
        gc.collect()  # the figure's cycles: its canvas is let go before the next is drawn


if __name__ == "__main__":
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the report says so
        code = 130
    sys.stdout.flush()
    # Nothing of this process outlives it: no interpreter teardown (about 0.1 s) to wait for.
    os._exit(code)
