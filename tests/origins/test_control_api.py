"""The control API over HTTP: listing, naming, errors as JSON, bearer token."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from origins.client import ControlError, OriginControl
from tests.origins.conftest import TOKEN, Origin


def test_add_list_delete(origin: Origin) -> None:
    control = origin.control
    first = control.add_fault(type="latency", ms=1)
    second = control.add_fault(type="latency", ms=2, probability=0.5, paths="/api/*")
    assert (first["name"], second["name"]) == ("latency", "latency-2")
    assert second == {
        "name": "latency-2", "type": "latency", "probability": 0.5, "paths": ["/api/*"], "ms": 2, "jitter_ms": 0,
    }
    listing = requests.get(origin.control_url + "/faults", headers=origin.auth, timeout=5).json()
    assert listing["id"] == "primary"
    assert [f["name"] for f in listing["faults"]] == ["latency", "latency-2"]
    control.delete_fault("latency")
    assert [f["name"] for f in control.faults()] == ["latency-2"]
    assert control.reset() == {"id": "primary", "faults": []}


def test_post_answers_201_and_delete_204(origin: Origin) -> None:
    created = requests.post(origin.control_url + "/faults", headers=origin.auth, json={"type": "hang", "name": "h1"}, timeout=5)
    assert created.status_code == 201 and created.json()["name"] == "h1"
    deleted = requests.delete(origin.control_url + "/faults/h1", headers=origin.auth, timeout=5)
    assert (deleted.status_code, deleted.content) == (204, b"")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"type": "latncy"}, 400, "faults.type: unknown fault 'latncy' (known: bandwidth, flap, hang, latency, refuse, "
                                   "reset, slow-headers, status, tls, truncate)"),
        ({"type": "status", "status": 99}, 400, "faults.status: must be an integer 100..599, got 99"),
        ({"type": "latency", "ms": 10, "jiter_ms": 3}, 400,
         "faults.jiter_ms: unknown attribute for fault type 'latency' (allowed: ms, jitter_ms)"),
        ({"type": "refuse", "paths": ["/a"]}, 400,
         "faults.paths: not allowed for 'refuse' (it acts on the whole listener)"),
        ("not an object", 400, "faults: must be a JSON object, got str"),
    ],
)
def test_bad_fault_json_is_a_400_naming_the_field(origin: Origin, body: Any, status: int, message: str) -> None:
    response = requests.post(origin.control_url + "/faults", headers=origin.auth, json=body, timeout=5)
    assert response.status_code == status
    assert response.json() == {"error": message, "status": status}


def test_non_json_body(origin: Origin) -> None:
    response = requests.post(origin.control_url + "/faults", headers=origin.auth, data="type=hang", timeout=5)
    assert response.status_code == 400
    assert response.json()["error"].startswith("faults: body must be a JSON object")


def test_duplicate_name_is_409_and_unknown_is_404(origin: Origin) -> None:
    origin.control.add_fault(type="hang", name="x")
    with pytest.raises(ControlError) as conflict:
        origin.control.add_fault(type="latency", ms=1, name="x")
    assert conflict.value.status == 409
    assert str(conflict.value) == "faults.name: a fault named 'x' exists already"
    with pytest.raises(ControlError) as missing:
        origin.control.delete_fault("nope")
    assert (missing.value.status, str(missing.value)) == (404, "no fault named 'nope'")


def test_unknown_route_and_method_are_json_errors(origin: Origin) -> None:
    missing = requests.get(origin.control_url + "/nope", headers=origin.auth, timeout=5)
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = requests.put(origin.control_url + "/faults", headers=origin.auth, timeout=5)
    assert wrong.status_code == 405 and wrong.json()["status"] == 405


def test_a_token_is_always_required(origin: Origin) -> None:
    # An origin started without one makes its own and tells its parent in the ready file only.
    token = origin.child.ready["token"]
    assert len(token) >= 32
    assert requests.get(origin.control_url + "/faults", timeout=5).status_code == 401
    assert requests.get(origin.control_url + "/faults", headers=origin.auth, timeout=5).status_code == 200


def test_token_is_required_when_set(guarded: Origin) -> None:
    url = guarded.control_url
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = requests.get(url + "/faults", headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json()["status"] == 401
    assert requests.post(url + "/reset", timeout=5).status_code == 401
    with pytest.raises(ControlError) as info:
        OriginControl(url).stats()
    assert info.value.status == 401
    assert guarded.control.add_fault(type="status", status=500)["name"] == "status"  # with the token
    assert guarded.get("/static/a").status_code == 500  # the data port never needs it


def test_client_reports_unreachable_control(origin: Origin) -> None:
    dead = OriginControl("127.0.0.1:9", timeout=1.0)  # discard port: nothing listens on loopback
    with pytest.raises(ControlError) as info:
        dead.wait_ready(timeout=0.3)
    assert info.value.status == 0
    assert origin.control.wait_ready()["id"] == "primary"
