"""Request planning: order, terminal precedence, probability, paths, flap phases (no IO)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from origins.faults import ActiveFault, Hang, Status, parse_fault, plan_request


def active(*bodies: dict[str, Any], added_at: float = 0.0) -> list[ActiveFault]:
    return [ActiveFault(fault=parse_fault(body)[1], added_at=added_at) for body in bodies]


RNG = random.Random(7)


def test_no_faults_means_serve_normally() -> None:
    plan = plan_request([], "/static/a", RNG, 0.0)
    assert (plan.delay_s, plan.bytes_per_s, plan.outcome) == (0.0, None, None)


def test_shaping_faults_add_up_and_first_terminal_wins() -> None:
    faults = active(
        {"type": "latency", "ms": 100},
        {"type": "status", "status": 503, "name": "first"},
        {"type": "slow-headers", "ms": 50},
        {"type": "hang"},
        {"type": "bandwidth", "bytes_per_s": 1000},
        {"type": "bandwidth", "bytes_per_s": 500},
    )
    plan = plan_request(faults, "/x", RNG, 0.0)
    assert plan.delay_s == pytest.approx(0.150)
    assert plan.bytes_per_s == 500
    assert plan.outcome == Status(status=503)
    assert plan.decided_by == "first"
    assert "hang" not in plan.applied


def test_paths_globs() -> None:
    faults = active({"type": "status", "status": 500, "paths": ["/api/*", "/static/b-*"]})
    assert plan_request(faults, "/api/probe", RNG, 0).outcome == Status(status=500)
    assert plan_request(faults, "/static/b-10", RNG, 0).outcome == Status(status=500)
    assert plan_request(faults, "/static/a", RNG, 0).outcome is None
    assert plan_request(faults, "/API/probe", RNG, 0).outcome is None  # case-sensitive like CloudFront paths


def test_probability_is_statistically_right() -> None:
    faults = active({"type": "status", "status": 500, "probability": 0.3})
    rng = random.Random(1)
    hits = sum(plan_request(faults, "/x", rng, 0).outcome is not None for _ in range(10_000))
    assert 2_800 <= hits <= 3_200  # 0.3 * 10k; sd is ~46, so +-200 is over 4 sd


def test_skipped_probability_lets_the_next_terminal_decide() -> None:
    faults = active({"type": "status", "status": 500, "probability": 0.0}, {"type": "hang"})
    assert plan_request(faults, "/x", RNG, 0).outcome == Hang()


@pytest.mark.parametrize(
    ("elapsed", "failing"),
    [(0.0, True), (0.095, True), (0.105, False), (0.195, False), (0.205, True), (1.05, True), (1.15, False)],
)
def test_flap_alternates_from_when_added(elapsed: float, failing: bool) -> None:
    faults = active({"type": "flap", "period_ms": 100, "status": 502}, added_at=10.0)
    outcome = plan_request(faults, "/x", RNG, 10.0 + elapsed).outcome
    assert outcome == (Status(status=502) if failing else None)


def test_latency_jitter_stays_in_bounds() -> None:
    faults = active({"type": "latency", "ms": 100, "jitter_ms": 50})
    rng = random.Random(3)
    delays = [plan_request(faults, "/x", rng, 0).delay_s for _ in range(1000)]
    assert min(delays) >= 0.05 and max(delays) <= 0.15
    assert max(delays) - min(delays) > 0.08  # jitter actually varies
