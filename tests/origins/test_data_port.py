"""The data port of a real origin process: content, validators, 304, X-Origin-Id, forms."""

from __future__ import annotations

import requests

from tests.origins.conftest import Origin


def test_static_object_headers_and_size(origin: Origin) -> None:
    response = origin.get("/static/a-4096")
    assert response.status_code == 200
    assert len(response.content) == 4096
    assert response.headers["Content-Length"] == "4096"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["X-Origin-Id"] == "primary"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith("GMT")
    assert len(origin.get("/static/plain").content) == 1024


def test_both_origins_serve_the_same_object(origin: Origin, secondary: Origin) -> None:
    a, b = origin.get("/static/x-300"), secondary.get("/static/x-300")
    assert a.content == b.content
    assert a.headers["ETag"] == b.headers["ETag"]
    assert a.headers["Last-Modified"] == b.headers["Last-Modified"]
    assert (a.headers["X-Origin-Id"], b.headers["X-Origin-Id"]) == ("primary", "secondary")
    assert b.headers["Cache-Control"] == "public, max-age=60"  # --max-age 60


def test_conditional_get_answers_304(origin: Origin) -> None:
    first = origin.get("/static/c-2000")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_etag = origin.get("/static/c-2000", headers={"If-None-Match": etag})
    by_date = origin.get("/static/c-2000", headers={"If-Modified-Since": last_modified})
    changed = origin.get("/static/c-2000", headers={"If-None-Match": '"stale"'})
    for response in (by_etag, by_date):
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["ETag"] == etag
        assert response.headers["X-Origin-Id"] == "primary"
    assert changed.status_code == 200 and len(changed.content) == 2000


def test_cc_path_sets_cache_control_exactly(origin: Origin) -> None:
    response = origin.get("/cc/max-age=5,stale-if-error=30/x-10")
    assert response.headers["Cache-Control"] == "max-age=5,stale-if-error=30"
    assert len(response.content) == 10
    spaced = origin.get("/cc/public,%20s-maxage=7/y")
    assert spaced.headers["Cache-Control"] == "public, s-maxage=7"


def test_api_is_uncacheable_json(origin: Origin) -> None:
    response = origin.get("/api/probe?x=1")
    body = response.json()
    assert response.headers["Cache-Control"] == "no-store"
    assert body["origin"] == "primary" and body["path"] == "/api/probe"
    assert isinstance(body["time"], float)


def test_head_has_headers_without_body(origin: Origin) -> None:
    response = requests.head(origin.url + "/static/h-5000", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "5000"
    assert response.content == b""


def test_form_echoes_fields(origin: Origin) -> None:
    response = requests.post(origin.url + "/form/checkout", data={"card": "4111", "name": "A B"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "origin": "primary", "path": "/form/checkout",
        "fields": {"card": {"value": "4111"}, "name": {"value": "A B"}},
    }
    wrong = requests.post(origin.url + "/form/checkout", json={"card": "1"}, timeout=10)
    assert wrong.status_code == 415


def test_form_accepts_a_chunked_body(origin: Origin) -> None:
    # CloudFront streams field-level-encrypted bodies with chunked transfer encoding.
    chunks = iter([b"card=4111", b"&cvv=123"])
    response = requests.post(
        origin.url + "/form/pay", data=chunks, timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json()["fields"] == {"card": {"value": "4111"}, "cvv": {"value": "123"}}


def test_health_and_unknown_paths(origin: Origin) -> None:
    health = origin.get("/health")
    assert (health.status_code, health.text) == (200, "ok")
    missing = origin.get("/nope")
    assert missing.status_code == 404 and missing.headers["X-Origin-Id"] == "primary"
    assert requests.post(origin.url + "/static/a", timeout=10).status_code == 405


def test_stats_count_by_path_and_status(secondary: Origin) -> None:
    before = secondary.control.stats()
    secondary.get("/static/stats-1")
    secondary.get("/static/stats-1")
    secondary.get("/nothing-here")
    after = secondary.control.stats()
    assert after["id"] == "secondary"
    assert after["requests"] - before["requests"] == 3
    assert after["by_path"]["/static/stats-1"] - before["by_path"].get("/static/stats-1", 0) == 2
    assert after["by_status"]["404"] - before["by_status"].get("404", 0) == 1
