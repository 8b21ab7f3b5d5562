"""The edge process itself: origin request shape, admin API, signals, pooled connections."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from scenarios.stack.procs import start
from tests.edge import configs
from tests.edge.conftest import EdgeFactory, RunningEdge, RunningOrigin, start_origin
from tests.stack_helpers import edge_argv


def test_origin_request_headers(make_edge: EdgeFactory, echo_origin: str) -> None:
    doc = configs.distribution(primary_headers={"X-Origin-Verify": "s3cr3t"})
    doc["DistributionConfig"]["Origins"]["Items"][0]["OriginPath"] = "/v1"
    edge = make_edge(doc, "--pop", "IAD79-C3",
                     origins={"primary": echo_origin, "secondary": echo_origin})
    response = edge.get("/solo/item?q=1", headers={
        "X-Origin-Verify": "forged", "X-Forwarded-For": "203.0.113.9",
        "If-None-Match": '"abc"'})
    seen = response.json()
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    # OriginPath prefixed; the query string is not in the (CachingDisabled) key, so not sent.
    assert seen["path"] == "/v1/solo/item"
    assert headers["x-origin-verify"] == "s3cr3t"                      # custom header wins
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"      # viewer IP appended
    assert headers["user-agent"] == "Amazon CloudFront"
    assert headers["x-amz-cf-id"] == response.headers["X-Amz-Cf-Id"]
    assert headers["host"] == "primary.origin.example.com"
    assert "if-none-match" not in headers
    assert response.headers["X-Amz-Cf-Pop"] == "IAD79-C3"
    assert response.headers["X-Origin-Id"] == "echo"


def test_admin_stats_and_token(make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution(), token="t0k")  # HARNESS_TOKEN, never argv
    primary.control.add_fault(type="status", status=503, paths=["/api/*"])
    edge.get("/static/s1")
    edge.get("/static/s1")
    edge.get("/api/s2")
    assert requests.get(edge.admin_url + "/stats", timeout=5).status_code == 401
    stats = requests.get(edge.admin_url + "/stats", headers={"Authorization": "Bearer t0k"},
                         timeout=5).json()
    assert stats["requests"] == 3
    assert stats["by_result"] == {"Miss": 2, "Hit": 1}
    assert stats["by_origin"] == {"primary": 2, "secondary": 1}
    assert stats["failovers"] == 1
    assert stats["origin_attempts"]["primary:503"] == 1
    assert stats["cache_objects"] == 1


def test_process_with_pops_tier_and_invalidation(make_edge: EdgeFactory,
                                                 primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution(), "--pops", "2", "--regional-tier", token="t0k")
    auth = {"Authorization": "Bearer t0k"}
    first = requests.get(edge.url + "/static/inv", timeout=10)   # a fresh session each time:
    second = requests.get(edge.url + "/static/inv", timeout=10)  # the next POP
    assert [r.headers["X-Amz-Cf-Pop"] for r in (first, second)] == ["EMU50-C1", "EMU51-C1"]
    assert [r.headers["X-Cache"] for r in (first, second)] == ["Miss from cloudfront",
                                                              "Hit from cloudfront"]
    batch = {"Paths": {"Quantity": 1, "Items": ["/static/*"]}, "CallerReference": "e2e"}
    answer = requests.post(edge.admin_url + "/invalidations", json=batch, headers=auth, timeout=5)
    assert answer.status_code == 201 and answer.json()["ObjectsRemoved"] == 3  # 2 POPs + tier
    assert requests.get(edge.url + "/static/inv", timeout=10).headers["X-Cache"] == \
        "Miss from cloudfront"
    stats = requests.get(edge.admin_url + "/stats", headers=auth, timeout=5).json()
    assert set(stats["pops"]) == {"EMU50-C1", "EMU51-C1"} and stats["requests"] == 3


def test_sigterm_exits_0_quickly_and_flushes_the_log(make_edge: EdgeFactory,
                                                     primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution())
    for i in range(5):
        edge.get(f"/static/flush-{i}")
    primary.control.add_fault(type="hang")
    # A request stuck on a hung origin must not hold up the shutdown.
    stuck = threading.Thread(target=lambda: _ignore(edge.get, "/api/stuck", timeout=10))
    stuck.start()
    deadline = time.monotonic() + 5
    while "/api/stuck" not in primary.control.stats()["by_path"]:  # it reached the origin
        assert time.monotonic() < deadline, "the stuck request never reached the origin"
        time.sleep(0.02)
    started = time.monotonic()
    edge.child.signal(signal.SIGTERM)
    code = edge.child.popen.wait(5)
    elapsed = time.monotonic() - started
    stuck.join(10)
    assert code == 0
    assert elapsed < 2.0
    lines = edge.log_lines()
    paths = [r["cs-uri-stem"] for r in lines]
    assert paths[:5] == [f"/static/flush-{i}" for i in range(5)]
    assert all(len(r) == 36 for r in lines)
    # The stuck request was cancelled in the edge (it went on as a task after its first step,
    # edge/wire/eager.py): its handler still logged it, as a hang-up.
    stuck_lines = [r for r in lines if r["cs-uri-stem"] == "/api/stuck"]
    assert [(r["sc-status"], r["x-edge-detailed-result-type"]) for r in stuck_lines] == [
        ("000", "ClientHungUpRequest")]
    first = lines[0]
    for name in ("date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
                 "sc-status", "x-edge-result-type", "x-edge-request-id", "time-taken",
                 "x-edge-detailed-result-type", "time-to-first-byte"):
        assert first[name] != "-", name
    assert first["x-edge-location"] == "EMU50-C1" and first["sc-status"] == "200"
    assert float(first["time-taken"]) < 5.0


def _stats(edge: RunningEdge) -> dict[str, Any]:
    return dict(requests.get(edge.admin_url + "/stats", headers=edge.admin_auth, timeout=5).json())


def _ignore(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        fn(*args, **kwargs)
    except requests.RequestException:
        pass


def test_restarted_origin_is_not_a_failure(make_edge: EdgeFactory, secondary: RunningOrigin
                                           ) -> None:
    # A keep-alive connection to a killed origin must be replaced, not reported as a failure.
    own = start_origin("primary")
    try:
        edge = make_edge(configs.distribution(),
                         origins={"primary": own.listen, "secondary": secondary.listen})
        for _ in range(3):
            assert edge.get("/api/warm").headers["X-Origin-Id"] == "primary"
        own.child.popen.kill()
        own.child.popen.wait(5)
        down = edge.get("/api/down")
        assert down.headers["X-Origin-Id"] == "secondary"
        own = start_origin("primary", own.listen)
        after = [edge.get("/api/back").headers["X-Origin-Id"] for _ in range(5)]
        assert after == ["primary"] * 5
    finally:
        own.child.stop()
    edge.child.stop()
    records = [r for r in edge.log_lines() if r["cs-uri-stem"] == "/api/back"]
    assert [r["x-origin-attempts"] for r in records] == ["primary:200"] * 5


def test_viewer_hang_up_is_logged_as_000(make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution(criteria=(500,), read=1))
    primary.control.add_fault(type="hang", paths=["/api/*"])
    with pytest.raises(requests.Timeout):
        edge.get("/api/gone", timeout=0.3)   # the viewer gives up before the 1 s read timeout
    assert edge.get("/static/still-fine").status_code == 200
    deadline = time.monotonic() + 10
    # The edge notices the hang-up when the origin attempt ends (read timeout, 1 s).
    while "ClientHungUpRequest" not in _stats(edge)["by_detailed_result"]:
        assert time.monotonic() < deadline, "the hung-up request was never counted"
        time.sleep(0.05)
    edge.child.stop()
    gone = [r for r in edge.log_lines() if r["cs-uri-stem"] == "/api/gone"]
    assert len(gone) == 1
    assert gone[0]["sc-status"] == "000"
    assert gone[0]["x-edge-result-type"] == "Error"
    assert gone[0]["x-edge-detailed-result-type"] == "ClientHungUpRequest"
    assert gone[0]["c-ip"] == "127.0.0.1"
    assert edge.child.log_path is not None
    assert "Traceback" not in edge.child.log_path.read_text()


def test_ready_file_without_admin(tmp_path: Path, primary: RunningOrigin,
                                  secondary: RunningOrigin) -> None:
    config = configs.write(tmp_path / "d.json", configs.distribution())
    child = start("edge-plain", edge_argv(config, {"primary": primary.listen, "secondary": secondary.listen},
                                          admin=False))
    try:
        assert set(child.ready) == {"pid", "listen", "admin", "listen_tls"}  # no admin API: no token either
        assert child.ready["listen_tls"] is None  # no --listen-tls
        assert child.ready["pid"] == child.pid and child.ready["admin"] is None
        host, port = child.ready["listen"].rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        response = requests.get(f"http://{child.ready['listen']}/static/plain", timeout=10)
        assert response.headers["X-Amz-Cf-Pop"] == "EMU50-C1"
    finally:
        assert child.stop() == 0
