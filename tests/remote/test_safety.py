"""The safety rails, decided without IO: opt-in, rate and duration caps, the printed plan."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from contracts import defaults
from contracts.address import is_loopback
from scenarios.errors import ScenarioInputError
from scenarios.remote import safety
from scenarios.spec import urls
from scenarios.spec.loader import parse_scenario
from scenarios.spec.model import LoadProfile, Stage
from scenarios.spec.window import SlidingWindow, parse_row
from tests.remote.conftest import scenario_text

REAL = "https://d111111abcdef8.cloudfront.net"
STEPS = """
{at: 25%, fault: {target: primary, type: status, status: 503}}
{at: 75%, clear: primary}
"""


def remote_scenario(target: str = REAL, control: str = "https://primary.example.com:9443",
                    users: int = 5, duration: str = "60s"):
    text = scenario_text(target, {"primary": control}, STEPS, users=users, duration=duration)
    return parse_scenario(text, "remote.yaml")


def test_viewer_cap_matches_the_locustfile() -> None:
    # The plan's arithmetic is only an upper bound if it uses the users' real cap. Read from the
    # source: importing Locust here would monkey-patch this test process.
    tree = ast.parse((Path(safety.__file__).parents[2] / "locustfiles" / "users.py").read_text())
    sources = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
               and any(a.name == "VIEWER_MAX_RPS" for a in n.names)]
    assert sources == ["contracts.defaults"]  # one definition, imported by both sides
    assert safety.VIEWER_MAX_RPS is defaults.VIEWER_MAX_RPS == 10
    assert "constant_throughput(VIEWER_MAX_RPS)" in (Path(safety.__file__).parents[2] / "locustfiles" / "users.py").read_text()


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST", True), ("0.0.0.0", False), ("10.0.0.5", False), ("d111.cloudfront.net", False),
    ("localhost.example.com", False), ("127.0.0.1.nip.io", False),
])
def test_only_loopback_literals_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(("load", "rate"), [
    (LoadProfile(users=20, probe_interval_ms=100), 20 * 10 + 10),
    (LoadProfile(users=1, probe_interval_ms=1000), 11),
    (LoadProfile(users=5, probe_interval_ms=10), 150),
    # stages: the largest stage decides
    (LoadProfile(stages=(Stage(3, 3, 10), Stage(12, 3, 20), Stage(2, 1, 30)), probe_interval_ms=100), 130),
])
def test_planned_rate_is_viewers_at_their_cap_plus_the_probe(load: LoadProfile, rate: float) -> None:
    assert safety.planned_rate(load) == pytest.approx(rate)


def test_plan_lists_target_rate_duration_and_faults() -> None:
    scenario = remote_scenario()
    plan = safety.make_plan(scenario, REAL, safety.Limits())
    assert plan.real and plan.rate_rps == 60 and plan.duration_s == 60
    text = "\n".join(plan.lines())
    assert f"plan: target {REAL} [REAL (off this machine)]" in text
    assert "5 viewers + 1 probe, at most 60 requests/s, for 60 s" in text
    assert "plan: fault at 15 s: fault status on primary" in text
    assert "plan: fault at 45 s: clear primary" in text
    assert "origin primary controlled at https://primary.example.com:9443" in text
    assert "caps 100 requests/s, 600 s" in text


@pytest.mark.parametrize(("target", "control", "real"), [
    ("http://127.0.0.1:8080", "http://127.0.0.1:9001", False),
    (REAL, "http://127.0.0.1:9001", True),
    ("http://127.0.0.1:8080", "https://primary.example.com:9443", True),  # control off the machine counts
])
def test_a_plan_is_real_when_any_url_leaves_the_machine(target: str, control: str, real: bool) -> None:
    scenario = remote_scenario(target, control)
    assert safety.make_plan(scenario, target, safety.Limits()).real is real


@pytest.mark.parametrize(("opt_in", "users", "duration", "limits", "locust", "refused"), [
    (False, 5, "60s", safety.Limits(), (), "d111111abcdef8.cloudfront.net is not a loopback address"),
    (True, 5, "60s", safety.Limits(), (), None),
    # 20 viewers x 10/s + 10 probes/s = 210 > 100
    (True, 20, "60s", safety.Limits(), (), "20 viewers x 10/s + probe is 210 requests/s, over the cap of 100/s"),
    (True, 20, "60s", safety.Limits(max_rps=250), (), None),
    (True, 5, "15m", safety.Limits(), (), "900 s under load is over the cap of 600 s"),
    (True, 5, "15m", safety.Limits(max_duration_s=1200), (), None),
    (True, 5, "60s", safety.Limits(), ("--attackers", "2"), "stack.locust: extra Locust arguments"),
])
def test_refusals(opt_in: bool, users: int, duration: str, limits: safety.Limits,
                  locust: tuple[str, ...], refused: str | None) -> None:
    scenario = remote_scenario(users=users, duration=duration)
    reason = safety.refusal(safety.make_plan(scenario, REAL, limits), opt_in, locust)
    if refused is None:
        assert reason is None
    else:
        assert reason is not None and refused in reason


def test_repeats_count_towards_the_duration_cap() -> None:
    scenario = replace(remote_scenario(duration="4m"), repeat=3)
    reason = safety.refusal(safety.make_plan(scenario, REAL, safety.Limits()), True)
    assert reason is not None and "720 s under load" in reason


def test_loopback_plans_are_never_refused() -> None:
    scenario = remote_scenario("http://127.0.0.1:8080", "http://127.0.0.1:9001", users=200, duration="50m")
    assert safety.refusal(safety.make_plan(scenario, "http://127.0.0.1:8080", safety.Limits()), False) is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_rps": 5000}, "--max-rps: must be within 1..2000"),
    ({"max_rps": 0}, "--max-rps: must be within 1..2000"),
    ({"max_rps": float("nan")}, "--max-rps"),
    ({"max_duration_s": 7200}, "--max-duration: must be within 1..3600 s"),
])
def test_caps_have_hard_ceilings(kwargs: dict, message: str) -> None:
    with pytest.raises(ScenarioInputError, match=message.replace(".", r"\.")):
        safety.Limits(**kwargs)


def test_rate_guard_aborts_over_the_cap_only() -> None:
    scenario = safety.rate_guard(remote_scenario(), safety.Limits(max_rps=40))
    rule = scenario.abort[-1]
    assert str(rule.check) == "requests_per_s > 50"

    def window(rate: int) -> SlidingWindow:
        w = SlidingWindow(60)
        for i in range(rate * 10):  # 10 s of rows at `rate`/s
            w.add(parse_row(f"{1000 + i / rate:.4f},5,GET,/x,200,1,10,Hit,primary,POP,Viewer,"))
        return w

    now = 1010 + 1.5  # the rule ignores the newest (still flushing) 1.5 s
    assert rule.triggered(window(45), now) is None
    reason = rule.triggered(window(60), now)
    assert reason is not None and "requests_per_s over the last 5 s was 60" in reason


@pytest.mark.parametrize(("url", "ok"), [
    ("https://d111111abcdef8.cloudfront.net/", True), ("http://127.0.0.1:8080", True),
    ("ftp://example.com", False), ("d111.cloudfront.net", False), ("http://", False),
    ("http://127.0.0.1:99999", False),
])
def test_urls(url: str, ok: bool) -> None:
    if ok:
        assert urls.check_url(url, "--target") == url.rstrip("/")
    else:
        with pytest.raises(ScenarioInputError, match="--target: expected a URL like"):
            urls.check_url(url, "--target")
