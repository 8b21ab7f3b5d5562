"""The open-model viewers (ArrivalViewer) in real Locust against a real origin: a fixed
arrival rate, latency counted from when each request was due (so a stall of the load
generator itself shows in full), and an HDR histogram that agrees with the request log."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from locustfiles.headless import locust_argv, read_rows
from locustfiles.request_log import event_row
from origins.client import OriginControl
from tests.stack_helpers import start_origin_process, stopped_cleanly_after

REPO = Path(__file__).resolve().parents[2]
RATE = 50  # requests a second
SERVICE_MS = 200  # every answer waits this long at the origin


def test_a_row_is_due_time_and_latency_from_it() -> None:
    # Sent 0.25 s late, answered 0.1 s after the send: logged at its due time, 350 ms.
    row = event_row(request_type="GET", name="/x", response_time=100.0, response_length=1,
                    context={"user": "ArrivalViewer", "intended": 1000.0}, start_time=1000.25)
    assert (row[0], round(row[1], 3)) == (1000.0, 350.0)
    plain = event_row(request_type="GET", name="/x", response_time=100.0, response_length=1,
                      context={"user": "Viewer"}, start_time=1000.25)
    assert (plain[0], plain[1]) == (1000.25, 100.0)


@pytest.fixture(scope="module")
def origin():
    yield from stopped_cleanly_after(start_origin_process("primary"))


@pytest.mark.slow
def test_open_model_keeps_its_schedule_through_a_stall(origin, tmp_path: Path) -> None:
    control = OriginControl(f"http://{origin.ready['control']}", token=str(origin.ready["token"]))
    control.add_fault(type="latency", ms=SERVICE_MS)
    try:
        proc = subprocess.Popen(
            locust_argv("--headless", "-u", "2", "-r", "2", "-t", "6s", "--host", f"http://{origin.ready['listen']}",
                        "--requests-csv", str(tmp_path / "requests.csv"), "--arrival-rate", str(RATE),
                        "--only-summary", "--exit-code-on-error", "0"),
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.0)
        proc.send_signal(signal.SIGSTOP)  # the load generator itself stalls for a second
        stalled_at = time.time()
        time.sleep(1.0)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=60)
    finally:
        control.reset()
    assert proc.returncode == 0, err[-2000:]
    rows = [r for r in read_rows(tmp_path / "requests.csv") if r["user"] == "ArrivalViewer"]
    done = [r for r in rows if not r["error"]]
    # About RATE a second for 6 s, none skipped for the stall.
    assert 5 * RATE <= len(rows) <= 7 * RATE, len(rows)
    due = sorted(float(r["ts"]) for r in rows)
    gaps = sorted(b - a for a, b in zip(due, due[1:]))
    assert abs(gaps[len(gaps) // 2] - 1 / RATE) < 0.001  # due on a 20 ms grid
    # Requests due while the process was stopped went out when it resumed (about 1 s after
    # the stop): each one's latency holds its wait for the resume plus the origin's 200 ms.
    stalled = [(float(r["ts"]), float(r["latency_ms"])) for r in done
               if stalled_at + 0.1 <= float(r["ts"]) <= stalled_at + 0.8]
    assert len(stalled) >= 0.6 * RATE, len(stalled)
    late = [(ts, ms) for ts, ms in stalled if ms < (stalled_at + 0.9 - ts) * 1000 + 0.9 * SERVICE_MS]
    assert not late, late
    # Outside the stall the latency is the origin's 200 ms (plus a little).
    calm = [float(r["latency_ms"]) for r in done if float(r["ts"]) < stalled_at - 0.5]
    assert calm and SERVICE_MS * 0.95 < sorted(calm)[len(calm) // 2] < SERVICE_MS * 1.5
    # The HDR histogram counts the same requests and agrees on the tail within its precision.
    text = (tmp_path / "viewers-latency.hgrm").read_text()
    footer = re.search(r"#\[Max\s*=\s*([\d.]+), TotalCount\s*=\s*([\d.]+)\]", text)
    assert footer is not None, text[-500:]
    hdr_max, total = float(footer[1]), float(footer[2])
    assert total == len(done)
    log_max = max(float(r["latency_ms"]) for r in done)
    assert abs(hdr_max - log_max) <= max(1.0, 0.002 * log_max), (hdr_max, log_max)
    mean, stddev = (float(v) for v in re.search(r"Mean\s*=\s*([\d.]+), StdDeviation\s*=\s*([\d.]+)", text).groups())
    assert SERVICE_MS * 0.9 < mean < 1000 and stddev < 1000  # both in ms
