"""Each fault type as a client sees it on a real origin process."""

from __future__ import annotations

import socket
import threading
import time
from typing import Callable

import pytest
import requests

from tests.origins.conftest import Origin
from tests.origins.wire import first_byte_after, read_all, send_get, split_response


def test_status_fault_keeps_origin_id_and_custom_headers(origin: Origin) -> None:
    origin.control.add_fault(type="status", status=503, body="down\n", headers={"Retry-After": "2"})
    response = origin.get("/static/a")
    assert response.status_code == 503
    assert response.text == "down\n"
    assert response.headers["Retry-After"] == "2"
    assert response.headers["X-Origin-Id"] == "primary"
    assert origin.get("/health").status_code == 503  # health checks see the fault too


def test_paths_limit_a_fault(origin: Origin) -> None:
    origin.control.add_fault(type="status", status=500, paths=["/api/*"])
    assert origin.get("/api/probe").status_code == 500
    assert origin.get("/static/a").status_code == 200


def test_latency_adds_delay(origin: Origin) -> None:
    origin.get("/static/warm")  # first request pays connection setup; not what we measure
    origin.control.add_fault(type="latency", ms=300)
    started = time.monotonic()
    response = origin.get("/static/warm")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    # >= the fault's 300 ms; the upper bound allows a loaded 2-core CI box.
    assert 0.29 <= elapsed <= 2.0


def test_slow_headers_delays_first_byte(origin: Origin) -> None:
    origin.control.add_fault(type="slow-headers", ms=400)
    assert 0.39 <= first_byte_after(origin.port, "/static/a") <= 2.0  # 400 ms plus scheduling slack


def test_hang_holds_while_other_requests_are_served(origin: Origin) -> None:
    origin.control.add_fault(type="hang", paths="/static/hang-*")
    hung = send_get(origin.port, "/static/hang-1", timeout=0.5)
    with pytest.raises(socket.timeout):
        hung.recv(1)  # nothing for 0.5 s ...
    started = time.monotonic()
    assert origin.get("/static/fine").status_code == 200  # ... while others are served
    assert time.monotonic() - started < 1.0
    stats = origin.control.stats()
    assert stats["by_status"].get("0", 0) >= 1  # a hang counts as "no status line sent"
    origin.control.delete_fault("hang")
    hung.settimeout(3.0)
    data, ended = read_all(hung)
    assert (data, ended) == (b"", "eof")  # released: closed without an answer


def test_hang_ends_when_the_client_goes_away(origin: Origin) -> None:
    origin.control.add_fault(type="hang")
    hung = send_get(origin.port, "/static/a")
    assert wait_for(lambda: origin.control.stats()["hanging"] == 1)
    hung.close()
    # The hang polls its socket every 0.2 s; 3 s leaves room for a busy machine.
    assert wait_for(lambda: origin.control.stats()["hanging"] == 0, timeout=3.0)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_refuse_closes_the_port_and_reopens_the_same_one(origin: Origin) -> None:
    session = requests.Session()
    assert session.get(origin.url + "/static/a", timeout=5).status_code == 200
    origin.control.add_fault(type="refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", origin.port), timeout=2).close()
    with pytest.raises(requests.ConnectionError):
        # The idle keep-alive connection was closed too; the retry on a new one is refused.
        session.get(origin.url + "/static/a", timeout=5)
    origin.control.delete_fault("refuse")
    assert session.get(origin.url + "/static/a", timeout=5).status_code == 200
    origin.control.add_fault(type="refuse")
    origin.control.reset()  # reset re-opens too
    assert origin.get("/static/a").status_code == 200


def test_reset_before_response(origin: Origin) -> None:
    origin.control.add_fault(type="reset")
    data, ended = read_all(send_get(origin.port, "/static/a"))
    assert (data, ended) == (b"", "reset")
    with pytest.raises(requests.ConnectionError):
        origin.get("/static/a")


def test_reset_mid_body(origin: Origin) -> None:
    origin.control.add_fault(type="reset", when="mid-body")
    data, ended = read_all(send_get(origin.port, "/static/m-8000"))
    assert ended == "reset"
    if data:  # the kernel may drop what was in flight when the RST arrives
        status, headers, body = split_response(data)
        assert status == 200 and headers["content-length"] == "8000"
        assert len(body) < 8000


def test_truncate_sends_fewer_bytes_than_content_length(origin: Origin) -> None:
    origin.control.add_fault(type="truncate", fraction=0.25)
    data, ended = read_all(send_get(origin.port, "/static/t-4000"))
    status, headers, body = split_response(data)
    assert ended == "eof"
    assert status == 200 and headers["content-length"] == "4000"
    assert headers["x-origin-id"] == "primary"
    assert len(body) == 1000
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        origin.get("/static/t-4000")


def test_bandwidth_paces_the_body(origin: Origin) -> None:
    origin.control.add_fault(type="bandwidth", bytes_per_s=40_000)
    started = time.monotonic()
    response = origin.get("/static/bw-20000")
    elapsed = time.monotonic() - started
    assert len(response.content) == 20_000
    # 20,000 B at 40,000 B/s is 0.5 s; the last chunk is paced too, so not much less.
    assert 0.4 <= elapsed <= 2.0


def test_flap_alternates_failing_and_healthy(origin: Origin) -> None:
    origin.control.add_fault(type="flap", period_ms=300, status=502)
    session = requests.Session()
    seen: list[int] = []
    deadline = time.monotonic() + 1.3  # bounded: about four periods
    while time.monotonic() < deadline:
        seen.append(session.get(origin.url + "/health", timeout=5).status_code)
        time.sleep(0.02)
    changes = sum(1 for a, b in zip(seen, seen[1:]) if a != b)
    assert seen[0] == 502  # the first period fails
    assert set(seen) == {200, 502}
    assert 2 <= changes <= 6  # ~4 phase changes in 1.3 s; never flickering per request


def test_probability_makes_an_error_rate(origin: Origin) -> None:
    origin.control.add_fault(type="status", status=500, probability=0.5)
    session = requests.Session()
    codes = [session.get(origin.url + "/api/p", timeout=5).status_code for _ in range(200)]
    # Binomial(200, 0.5): mean 100, sd ~7; 60..140 is more than 5 sd either side.
    assert 60 <= codes.count(500) <= 140
    assert codes.count(500) + codes.count(200) == 200


def test_hang_does_not_block_shaping_of_others(origin: Origin) -> None:
    origin.control.add_fault(type="hang", paths="/static/h*")
    results: list[float] = []

    def timed() -> None:
        started = time.monotonic()
        origin.get("/api/x")
        results.append(time.monotonic() - started)

    hung = [send_get(origin.port, f"/static/h{i}", timeout=5) for i in range(5)]
    threads = [threading.Thread(target=timed) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(results) == 5 and max(results) < 1.0  # five hangs do not slow anyone down
    origin.control.reset()
    for sock in hung:
        assert read_all(sock) == (b"", "eof")
