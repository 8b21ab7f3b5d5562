"""Fault JSON validation (one line naming the field) and naming, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from origins.errors import FaultConflict, FaultNotFound, FaultSpecError
from origins.faults import REGISTRY, Latency, Reset, Status, Truncate, parse_fault
from origins.store import FaultStore

BAD = [
    ([], "faults: must be a JSON object"),
    ({}, "faults.type: required (known: bandwidth, flap, hang, latency, refuse, reset, slow-headers, status, tls, truncate)"),
    ({"type": "latncy"}, "faults.type: unknown fault 'latncy' (known: bandwidth, flap, hang"),
    ({"type": 3}, "faults.type: unknown fault 3"),
    ({"type": "status"}, "faults.status: required, an integer 100..599"),
    ({"type": "status", "status": 600}, "faults.status: must be an integer 100..599, got 600"),
    ({"type": "status", "status": "503"}, "faults.status: must be an integer 100..599, got '503'"),
    ({"type": "status", "status": True}, "faults.status: must be an integer 100..599, got True"),
    ({"type": "status", "status": 503, "body": 1}, "faults.body: must be a string"),
    ({"type": "status", "status": 503, "headers": []}, "faults.headers: must be an object"),
    ({"type": "status", "status": 503, "headers": {"X-A": "a\nb"}}, "faults.headers.X-A: must be a valid header"),
    ({"type": "status", "status": 503, "staus": 1}, "faults.staus: unknown attribute for fault type 'status' (allowed: status, body, headers)"),
    ({"type": "latency"}, "faults.ms: required"),
    ({"type": "latency", "ms": -1}, "faults.ms: must be an integer 0..600000, got -1"),
    ({"type": "latency", "ms": 1, "jitter_ms": 1.5}, "faults.jitter_ms: must be an integer"),
    ({"type": "hang", "ms": 1}, "faults.ms: unknown attribute for fault type 'hang' (allowed: none)"),
    ({"type": "refuse", "paths": "/x"}, "faults.paths: not allowed for 'refuse'"),
    ({"type": "refuse", "probability": 0.5}, "faults.probability: not allowed for 'refuse'"),
    ({"type": "reset", "when": "later"}, "faults.when: must be one of 'before-response', 'mid-body', got 'later'"),
    ({"type": "truncate", "fraction": 1.5}, "faults.fraction: must be a number 0.0..1.0, got 1.5"),
    ({"type": "bandwidth", "bytes_per_s": 0}, "faults.bytes_per_s: must be an integer 1..1000000000000, got 0"),
    ({"type": "slow-headers"}, "faults.ms: required"),
    ({"type": "flap"}, "faults.period_ms: required"),
    ({"type": "flap", "period_ms": 10, "status": 99}, "faults.status: must be an integer 100..599, got 99"),
    ({"type": "status", "status": 503, "probability": 2}, "faults.probability: must be a number 0.0..1.0, got 2"),
    ({"type": "status", "status": 503, "paths": []}, "faults.paths: must be a glob or a non-empty list"),
    ({"type": "status", "status": 503, "paths": ["api/*"]}, "faults.paths[0]: must be a glob starting with '/' or '*'"),
    ({"type": "status", "status": 503, "name": "a b"}, "faults.name: must be 1-64 characters"),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_bad_fault_names_the_field(body: Any, message: str) -> None:
    with pytest.raises(FaultSpecError) as info:
        parse_fault(body)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_defaults_and_round_trip() -> None:
    _, reset = parse_fault({"type": "reset"})
    _, truncate = parse_fault({"type": "truncate"})
    _, latency = parse_fault({"type": "latency", "ms": 5, "paths": "/api/*", "probability": 0.25})
    assert reset.effect == Reset(when="before-response")
    assert truncate.effect == Truncate(fraction=0.5)
    assert latency.effect == Latency(ms=5, jitter_ms=0)
    assert latency.to_json() == {
        "name": "latency", "type": "latency", "probability": 0.25, "paths": ["/api/*"], "ms": 5, "jitter_ms": 0,
    }
    _, status = parse_fault({"type": "status", "status": 503, "headers": {"Retry-After": "1"}})
    assert status.effect == Status(status=503, headers=(("Retry-After", "1"),))
    assert status.to_json()["headers"] == {"Retry-After": "1"}


def test_every_type_is_registered() -> None:
    assert set(REGISTRY) == {
        "status", "latency", "hang", "refuse", "reset", "truncate", "bandwidth", "slow-headers", "flap", "tls",
    }


def test_store_names_conflicts_and_refuse_state() -> None:
    store = FaultStore()
    changes: list[bool] = []
    store.on_change(lambda: changes.append(store.refused()))
    assert store.add({"type": "status", "status": 500}).name == "status"
    assert store.add({"type": "status", "status": 502}).name == "status-2"
    assert store.add({"type": "status", "status": 503, "name": "mine"}).name == "mine"
    with pytest.raises(FaultConflict, match="faults.name: a fault named 'mine' exists already"):
        store.add({"type": "hang", "name": "mine"})
    assert store.add({"type": "refuse"}).name == "refuse"
    assert [f.name for f in store.faults()] == ["status", "status-2", "mine", "refuse"]
    hang_gone = store.released_event("status")
    store.delete("status")
    assert hang_gone.is_set()
    assert store.add({"type": "status", "status": 504}).name == "status"  # the freed name is reused
    with pytest.raises(FaultNotFound):
        store.delete("nope")
    store.reset()
    assert store.faults() == []
    assert changes == [False, False, False, True, True, True, False]
