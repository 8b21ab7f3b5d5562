"""Origin-group failover through a real edge: statuses, refused connects, timeouts."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.edge import configs
from tests.edge.conftest import EdgeFactory, RunningOrigin


def test_failover_on_503_serves_the_secondary(make_edge: EdgeFactory,
                                              primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution())
    primary.control.add_fault(type="status", status=503)
    response = edge.get("/api/fo")
    assert response.status_code == 200
    assert response.headers["X-Origin-Id"] == "secondary"
    assert response.headers["X-Cache"] == "Miss from cloudfront"
    edge.child.stop()
    record = edge.log_lines()[-1]
    assert record["x-origin-attempts"] == "primary:503|secondary:200"
    assert record["x-failover-reason"] == "status-503"


def test_no_failover_on_a_status_outside_the_criteria(make_edge: EdgeFactory,
                                                      primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution(criteria=(500, 502, 504)))
    primary.control.add_fault(type="status", status=503)
    response = edge.get("/api/nofo")
    assert response.status_code == 503
    assert response.headers["X-Origin-Id"] == "primary"
    assert response.headers["X-Cache"] == "Error from cloudfront"


def test_refused_primary_fails_over_when_503_is_in_the_criteria(
        make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution())
    primary.control.add_fault(type="refuse")
    started = time.monotonic()
    response = edge.get("/api/refused")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.headers["X-Origin-Id"] == "secondary"
    assert elapsed < 1.0          # a refused connect fails at once: no timeout is involved
    solo = edge.get("/solo/x")    # a plain origin, no group: CloudFront's own 502
    assert solo.status_code == 502
    assert solo.headers["X-Cache"] == "Error from cloudfront"
    assert solo.headers["Server"] == "CloudFront"
    assert "<H1>502 ERROR</H1>" in solo.text and solo.headers["X-Amz-Cf-Id"] in solo.text
    edge.child.stop()
    records = edge.log_lines()
    assert records[-2]["x-failover-reason"] == "connect-error"
    assert records[-2]["x-origin-attempts"] == "primary:connect-refused|secondary:200"
    assert records[-1]["x-edge-detailed-result-type"] == "OriginConnectError"
    assert records[-1]["sc-status"] == "502"


def test_refused_primary_without_503_in_criteria_is_a_502(make_edge: EdgeFactory,
                                                          primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution(criteria=(500, 502, 504)))
    primary.control.add_fault(type="refuse")
    response = edge.get("/api/refused-no503")
    assert response.status_code == 502 and response.headers["X-Cache"] == "Error from cloudfront"


@pytest.mark.parametrize(("criteria", "attempts", "status", "origin_id"), [
    ((500, 502, 503, 504), 2, 200, "secondary"),
    ((500, 502, 503), 1, 504, None),
])
def test_read_timeout_retries_then_fails_over_only_with_504(
        make_edge: EdgeFactory, primary: RunningOrigin, criteria: tuple[int, ...], attempts: int,
        status: int, origin_id: str | None) -> None:
    # OriginReadTimeout 1 s x ConnectionAttempts: the primary costs about `attempts` seconds.
    edge = make_edge(configs.distribution(criteria=criteria, attempts=attempts, read=1))
    primary.control.add_fault(type="hang")
    started = time.monotonic()
    response = edge.get(f"/api/hang-{status}")
    elapsed = time.monotonic() - started
    assert response.status_code == status
    assert response.headers.get("X-Origin-Id") == origin_id
    # attempts x 1 s of waiting, plus process/loop overhead on a busy 2-core machine.
    assert attempts - 0.1 <= elapsed <= attempts + 2.0
    edge.child.stop()
    record = edge.log_lines()[-1]
    assert record["x-origin-attempts"].startswith("|".join(["primary:read-timeout"] * attempts))
    if status == 504:
        assert record["x-edge-detailed-result-type"] == "OriginCommError"
        assert record["x-failover-reason"] == "-"
    else:
        assert record["x-failover-reason"] == "timeout"


def test_post_is_not_retried_on_timeout(make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution(attempts=2, read=1))
    primary.control.add_fault(type="hang", paths=["/form/*"])
    started = time.monotonic()
    response = edge.request("POST", "/form/pay", data={"card": "4111"})
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    # One 1 s read timeout, not two: writes are never repeated.
    assert 0.9 <= elapsed <= 1.9
    assert primary.control.stats()["by_path"].get("/form/pay") == 1


def test_method_not_allowed_is_403(make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    edge = make_edge(configs.distribution())
    response = edge.request("POST", "/static/x", data=b"x")
    assert response.status_code == 403
    assert "not configured to allow the HTTP request method" in response.text
    assert response.headers["X-Cache"] == "Error from cloudfront"
    assert "/static/x" not in primary.control.stats()["by_path"]
    edge.child.stop()
    assert edge.log_lines()[-1]["x-edge-detailed-result-type"] == "InvalidRequestMethod"


@pytest.fixture
def blackholed() -> Iterator[str]:
    """A loopback address whose connects time out, like an origin behind a DROP rule.

    A listener with backlog 0 that never accepts holds one queued connection; once that
    is taken, Linux drops further SYNs, so connects hang until the client gives up.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname(), timeout=5)
    host, port = listener.getsockname()
    yield f"{host}:{port}"
    filler.close()
    listener.close()


@pytest.mark.parametrize(("criteria", "attempts", "status", "detailed"), [
    ((500, 502, 503, 504), 2, 200, "Miss"),
    ((500, 502, 504), 1, 504, "OriginCommError"),
])
def test_connect_timeout_is_a_connection_failure(
        make_edge: EdgeFactory, secondary: RunningOrigin, blackholed: str,
        criteria: tuple[int, ...], attempts: int, status: int, detailed: str) -> None:
    # ConnectionTimeout 1 s x ConnectionAttempts before the secondary (or the error).
    edge = make_edge(configs.distribution(criteria=criteria, attempts=attempts),
                     origins={"primary": blackholed, "secondary": secondary.listen})
    started = time.monotonic()
    response = edge.get("/api/blackholed")
    elapsed = time.monotonic() - started
    assert response.status_code == status
    # attempts x 1 s connect timeouts, plus overhead on a busy 2-core machine.
    assert attempts - 0.1 <= elapsed <= attempts + 2.0
    edge.child.stop()
    record = edge.log_lines()[-1]
    assert record["x-origin-attempts"].startswith("|".join(["primary:connect-timeout"] * attempts))
    assert record["x-edge-detailed-result-type"] == detailed
    assert record["x-failover-reason"] == ("connect-error" if status == 200 else "-")
