"""Pure parts of the locustfiles: the catalogue's popularity and the CSV row of a request."""

from __future__ import annotations

import random
from collections import Counter

from locustfiles.catalogue import catalogue, object_path
from locustfiles.request_log import COLUMNS, error_line, request_row


def test_catalogue_is_zipf_like_and_deterministic() -> None:
    cat = catalogue(200)
    assert len(cat.paths) == 200 and cat.paths[0] == object_path(1)
    assert catalogue(200) is cat  # shared by every user
    rng = random.Random(7)
    counts = Counter(cat.pick(rng) for _ in range(20000))
    top = counts[cat.paths[0]] / 20000
    # s = 1.1 over 200 objects: rank 1 takes ~20 %; the top 10 take over half
    assert 0.15 <= top <= 0.25, top
    assert sum(counts[p] for p in cat.paths[:10]) / 20000 > 0.5
    assert object_path(17) == object_path(17) and object_path(17).startswith("/static/obj-17-")


class _Response:
    """Stands in for Locust's response object (a third-party type)."""

    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code = status
        self.headers = headers


def test_request_row_reads_the_cloudfront_headers() -> None:
    row = request_row(start_time=1.5, response_time=2.25, request_type="GET", name="/static/[obj]",
                      response=_Response(200, {"X-Cache": "RefreshHit from cloudfront",
                                               "X-Origin-Id": "secondary", "X-Amz-Cf-Pop": "LOCAL1"}),
                      response_length=2048, exception=None, user="Viewer")
    assert dict(zip(COLUMNS, row)) == {
        "ts": "1.500000", "latency_ms": "2.250", "method": "GET", "name": "/static/[obj]",
        "status": 200, "ok": 1, "bytes": 2048, "x_cache": "RefreshHit", "origin": "secondary",
        "pop": "LOCAL1", "user": "Viewer", "error": ""}


def test_request_row_without_response() -> None:
    row = dict(zip(COLUMNS, request_row(
        start_time=1.0, response_time=1000.0, request_type="GET", name="/api/probe", response=None,
        response_length=0, exception=ConnectionRefusedError(111, "Connection\nrefused"), user="Probe")))
    assert (row["status"], row["ok"], row["x_cache"], row["origin"]) == (0, 0, "", "")
    assert row["error"] == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert error_line(None) == ""
