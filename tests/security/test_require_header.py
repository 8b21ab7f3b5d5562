"""The secret-header pattern at the origin: two accepted values, rotation on the control port."""

from __future__ import annotations

import pytest
import requests

from tests.security.conftest import Origin, get


@pytest.fixture(autouse=True)
def _both_values(guarded: Origin) -> None:
    # Every test starts mid-rotation: both the old and the new value are accepted.
    r = requests.put(guarded.control_url + "/access/require-header", headers=guarded.auth,
                     json={"values": ["old-secret", "new-secret"]}, timeout=10)
    assert r.status_code == 200


@pytest.mark.parametrize("headers, status", [
    ({}, 403),
    ({"X-Origin-Verify": "guess"}, 403),
    ({"X-Origin-Verify": ""}, 403),
    ({"X-Origin-Verify": "old-secret"}, 200),
    ({"x-origin-verify": "new-secret"}, 200),   # header names are case-insensitive
    ({"X-Origin-Verify": "New-Secret"}, 403),  # values are not
])
def test_only_accepted_values_get_in(guarded: Origin, headers: dict[str, str], status: int) -> None:
    response = get(guarded.url + "/static/a", headers=headers)
    assert response.status_code == status
    assert response.headers["X-Origin-Id"] == "guarded"
    if status == 403:
        assert "X-Origin-Verify" in response.text


def test_rotation_drops_the_old_value(guarded: Origin) -> None:
    r = requests.put(guarded.control_url + "/access/require-header", headers=guarded.auth, json={"values": ["new-secret"]}, timeout=10)
    assert r.json()["require_header"] == {"name": "X-Origin-Verify", "accepted_values": 1}
    assert "new-secret" not in r.text  # secrets are never echoed
    assert get(guarded.url + "/static/a", headers={"X-Origin-Verify": "old-secret"}).status_code == 403
    assert get(guarded.url + "/static/a", headers={"X-Origin-Verify": "new-secret"}).status_code == 200


@pytest.mark.parametrize("body, status", [
    ({"values": []}, 400),
    ({"values": ["a", "b", "c"]}, 400),
    ({"values": [""]}, 400),
    ({"values": "a"}, 400),
    ({}, 400),
])
def test_bad_rotation_bodies(guarded: Origin, body: dict[str, object], status: int) -> None:
    r = requests.put(guarded.control_url + "/access/require-header", headers=guarded.auth, json=body, timeout=10)
    assert r.status_code == status
    assert r.json()["error"].startswith("access.values")


def test_rotation_on_an_origin_without_the_header_is_a_conflict(bucket: Origin) -> None:
    r = requests.put(bucket.control_url + "/access/require-header", headers=bucket.auth, json={"values": ["x"]}, timeout=10)
    assert r.status_code == 409
