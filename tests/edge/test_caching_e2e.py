"""Hits and misses through a real edge in front of real origins."""

from __future__ import annotations

import time

from tests.edge.conftest import RunningEdge, RunningOrigin


def test_miss_then_hit_with_age_and_cloudfront_headers(shared_edge: RunningEdge,
                                                       primary: RunningOrigin) -> None:
    edge = shared_edge
    first = edge.get("/static/hit-2048")
    second = edge.get("/static/hit-2048")
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    assert "Age" not in first.headers
    assert 0 <= int(second.headers["Age"]) <= 2       # stored moments ago
    assert len(second.content) == 2048 and second.content == first.content
    assert first.headers["X-Origin-Id"] == second.headers["X-Origin-Id"] == "primary"
    assert first.headers["X-Amz-Cf-Pop"] == "EMU50-C1"
    assert first.headers["Via"].endswith(".cloudfront.net (CloudFront)")
    assert first.headers["Via"] == second.headers["Via"]
    assert first.headers["X-Amz-Cf-Id"] != second.headers["X-Amz-Cf-Id"]
    assert first.headers["X-Amz-Cf-Id"].endswith("==")
    # The hit never reached the origin.
    assert primary.control.stats()["by_path"].get("/static/hit-2048") == 1


def test_head_is_served_from_the_get_object(shared_edge: RunningEdge) -> None:
    edge = shared_edge
    edge.get("/static/head-x")
    head = edge.request("HEAD", "/static/head-x")
    assert head.headers["X-Cache"] == "Hit from cloudfront"
    assert head.headers["Content-Length"] == "1024" and head.content == b""


def test_uncacheable_responses_are_misses(shared_edge: RunningEdge,
                                          primary: RunningOrigin) -> None:
    edge = shared_edge
    before = primary.control.stats()["by_path"].get("/api/uncached", 0)
    # CachingDisabled behaviour: every request is a Miss and reaches the origin.
    api = [edge.get("/api/uncached").headers["X-Cache"] for _ in range(3)]
    assert api == ["Miss from cloudfront"] * 3
    # no-store under CachingOptimized (MinTTL 1) is still stored: MinTTL > 0 overrides it.
    cc = [edge.get("/cc/no-store/x").headers["X-Cache"] for _ in range(2)]
    assert cc == ["Miss from cloudfront", "Hit from cloudfront"]
    assert primary.control.stats()["by_path"]["/api/uncached"] == before + 3


def test_short_ttl_expires_and_revalidates_as_refresh_hit(shared_edge: RunningEdge) -> None:
    edge = shared_edge
    path = "/cc/max-age=1/short"                       # default behaviour: CachingOptimized
    first = edge.get(path)
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert edge.get(path).headers["X-Cache"] == "Hit from cloudfront"
    deadline = time.monotonic() + 5
    # TTL is 1 s: within a few seconds the object must be revalidated; the origin has the
    # same ETag, answers 304, and the stored body is served as a RefreshHit.
    while time.monotonic() < deadline:
        again = edge.get(path)
        if again.headers["X-Cache"] != "Hit from cloudfront":
            assert again.headers["X-Cache"] == "RefreshHit from cloudfront"
            assert again.content == first.content and again.headers["Age"] == "0"
            break
        time.sleep(0.1)
    else:
        raise AssertionError("a 1 s object was still a hit after 5 s")


def test_origin_errors_are_cached_for_error_caching_min_ttl(shared_edge: RunningEdge,
                                                           primary: RunningOrigin,
                                                           secondary: RunningOrigin) -> None:
    edge = shared_edge
    primary.control.add_fault(type="status", status=503)
    secondary.control.add_fault(type="status", status=503)
    first = edge.get("/static/err")
    assert first.status_code == 503 and first.headers["X-Cache"] == "Error from cloudfront"
    assert first.headers["X-Origin-Id"] == "secondary"
    primary.control.reset()
    secondary.control.reset()
    # 503 is cached for the default ErrorCachingMinTTL (10 s): healthy origins are not asked.
    again = edge.get("/static/err")
    assert again.status_code == 503 and again.headers["X-Cache"] == "Error from cloudfront"
    assert primary.control.stats()["by_path"]["/static/err"] == 1   # only the first request
