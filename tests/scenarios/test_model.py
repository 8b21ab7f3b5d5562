"""Scenario validation: every bad file is refused with one line naming file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from scenarios.errors import ScenarioInputError
from scenarios.spec.durations import StepTime, parse_duration, parse_step_time
from scenarios.spec.loader import load_scenario, parse_scenario, shipped_scenarios

GOOD = """\
# test: a scenario used by the tests.
distribution: distributions/default.json
load: {users: 5, spawn_rate: 5, duration: 60s}
steps:
  - {at: 33%, kill: primary}
  - {at: 40s, restart: primary}
expect:
  hit_ratio: "> 0.7"
"""


def parse(text: str):
    return parse_scenario(textwrap.dedent(text), "x.yaml")


def with_steps(*steps: str, duration: str = "60s") -> str:
    body = "".join(f"  - {s}\n" for s in steps)
    return f"distribution: distributions/default.json\nload: {{duration: {duration}}}\nsteps:\n{body}"


BAD = [
    # (yaml, expected message)
    ("load: {users: 5}\n", "x.yaml:1: missing 'distribution'"),
    ("distribution: nope.json\n", "x.yaml:1: distribution: cannot read"),
    ("distribution: distributions/default.json\nfoo: 1\n",
     "x.yaml:2: foo: unknown key (allowed: name, distribution"),
    ("distribution: distributions/default.json\nload: {users: 0}\n",
     "x.yaml:2: load.users: must be a whole number within 1..2000, got 0"),
    ("distribution: distributions/default.json\nload: {users: 2.5}\n",
     "x.yaml:2: load.users: must be a whole number"),
    ("distribution: distributions/default.json\nload: {duration: soon}\n",
     "x.yaml:2: load.duration: expected a number of seconds or a string like '20s'"),
    ("distribution: distributions/default.json\nload: {userz: 3}\n",
     "x.yaml:2: load.userz: unknown key (allowed: users, spawn_rate, duration"),
    # Faults are judged by origins.faults itself, as the control API will judge them mid-run.
    (with_steps("{at: 10s, fault: {target: primary, type: latncy}}"),
     "x.yaml:4: steps[0].fault.type: unknown fault 'latncy' (known: bandwidth, flap, hang"),
    (with_steps("{at: 10s, fault: {target: primary, type: status}}"),
     "x.yaml:4: steps[0].fault.status: required, an integer 100..599"),
    (with_steps("{at: 10s, fault: {target: primary, type: hang, probability: 2}}"),
     "x.yaml:4: steps[0].fault.probability: must be a number 0.0..1.0, got 2"),
    (with_steps("{at: 10s, fault: {target: primary, type: status, status: 999}}"),
     "x.yaml:4: steps[0].fault.status: must be an integer 100..599, got 999"),
    (with_steps("{at: 10s, fault: {target: primary, type: status, status: 503, colour: red}}"),
     "x.yaml:4: steps[0].fault.colour: unknown attribute for fault type 'status' (allowed: status, body, headers)"),
    (with_steps("{at: 10s, fault: {target: primary, type: latency, ms: -500}}"),
     "x.yaml:4: steps[0].fault.ms: must be an integer 0..600000, got -500"),
    (with_steps("{at: 10s, fault: {target: primary, type: status, status: 503, paths: 42}}"),
     "x.yaml:4: steps[0].fault.paths: must be a glob or a non-empty list of globs, got 42"),
    (with_steps("{at: 10s, kill: tertiary}"),
     "x.yaml:4: steps[0].kill: unknown origin 'tertiary' (the distribution's: primary, secondary)"),
    (with_steps("{at: 10s, explode: primary}"),
     "x.yaml:4: steps[0].explode: unknown key (allowed: at, fault, clear, kill"),
    (with_steps("{kill: primary}"), "x.yaml:4: steps[0]: missing 'at'"),
    (with_steps("{at: 10s, kill: primary, restart: primary}"), "x.yaml:4: steps[0]: needs exactly one action"),
    (with_steps("{at: 150%, kill: primary}"),
     "x.yaml:4: steps[0].at: a percentage must be within 0%..100%, got '150%'"),
    (with_steps("{at: 10s, kill: primary}", "{at: 90s, restart: primary}"),
     "x.yaml:5: steps[1].at: 90s is after the end of the run (60 s)"),
    (with_steps("{at: 10s, restart: primary}"),
     "x.yaml:4: steps[0]: at 10 s: cannot restart an origin that is up (it must be down)"),
    (with_steps("{at: 10s, kill: primary}", "{at: 5s, fault: {target: primary, type: hang}}"),
     # replayed in time order: the fault at 5 s opens first, so the kill at 10 s is refused
     "x.yaml:4: steps[0]: at 10 s: cannot kill an origin that is faulted (it must be up)"),
    (with_steps("{at: 20s, clear: primary}"),
     "x.yaml:4: steps[0]: at 20 s: cannot clear an origin that is up (it must be faulted)"),
    (with_steps("{at: 10s, fault: {target: primary, type: hang, name: h}}",
                "{at: 20s, clear: {target: primary, name: x}}"),
     "x.yaml:5: steps[1].clear.name: primary has no fault named 'x'"),
    ("distribution: distributions/default.json\nexpect:\n  hit_ratio: '>> 1'\n",
     "x.yaml:3: expect.hit_ratio: "),
    ("distribution: distributions/default.json\nexpect:\n  hit_ration: '> 1'\n",
     "x.yaml:3: expect.hit_ration: unknown metric 'hit_ration'"),
    ("distribution: distributions/default.json\nregression: maybe\n",
     "x.yaml:2: regression: must be true or false, got 'maybe'"),
    ("distribution: [unclosed\n", "x.yaml:2: invalid YAML"),
    ("- just\n- a list\n", "x.yaml:1: must be a mapping, got list"),
    # load stages
    ("distribution: distributions/default.json\nload: {stages: []}\n",
     "x.yaml:2: load.stages: needs at least one stage"),
    ("distribution: distributions/default.json\nload: {users: 5, stages: [{duration: 5s}]}\n",
     "x.yaml:2: load.users: goes in each stage when load.stages is given"),
    ("distribution: distributions/default.json\nload:\n  stages:\n    - {users: 5}\n",
     "x.yaml:4: load.stages[0]: missing 'duration'"),
    ("distribution: distributions/default.json\nload:\n  stages:\n    - {users: 5, duration: 5s, rate: 1}\n",
     "x.yaml:4: load.stages[0].rate: unknown key (allowed: users, spawn_rate, duration)"),
    # steady state and abort rules
    ("distribution: distributions/default.json\nsteady_state: {window: 0s}\n",
     "x.yaml:2: steady_state.window: must be within 1..600 s"),
    ("distribution: distributions/default.json\nsteady_state:\n  checks: {latency_ms.p96: '< 5'}\n",
     "x.yaml:3: steady_state.checks.latency_ms.p96: unknown window metric 'latency_ms.p96' (known: error_ratio"),
    ("distribution: distributions/default.json\nsteady_state:\n  checks: {latency_ms.p95: 'fast'}\n",
     "x.yaml:3: steady_state.checks.latency_ms.p95: bad condition 'fast'"),
    ("distribution: distributions/default.json\nabort: {metric: error_ratio}\n",
     "x.yaml:2: abort: must be a list of rules"),
    ("distribution: distributions/default.json\nabort:\n  - {metric: error_ratio}\n",
     "x.yaml:3: abort[0]: missing 'condition'"),
    ("distribution: distributions/default.json\nabort:\n  - {metric: errors, condition: '> 1'}\n",
     "x.yaml:3: abort[0].metric: unknown window metric 'errors'"),
    ("distribution: distributions/default.json\nabort:\n  - {metric: error_ratio, condition: '> 0.5', window: 1h}\n",
     "x.yaml:3: abort[0].window: must be within 1..600 s"),
    # repeat, rollback, edge and blackhole steps
    ("distribution: distributions/default.json\nrepeat: 0\n", "x.yaml:2: repeat: must be a whole number within 1..50"),
    ("distribution: distributions/default.json\nrollback:\n  - {at: 5s, clear: primary}\n",
     "x.yaml:3: rollback[0].at: unknown key (allowed: fault, clear, kill"),
    ("distribution: distributions/default.json\nrollback:\n  - {unblackhole: nobody}\n",
     "x.yaml:3: rollback[0].unblackhole: unknown origin 'nobody'"),
    (with_steps("{at: 10s, invalidate: 'static/*'}"),
     "x.yaml:4: steps[0].invalidate: must start with '/' and may end with one '*', got 'static/*'"),
    (with_steps("{at: 10s, invalidate: ['/a', '/*/b']}"),
     "x.yaml:4: steps[0].invalidate[1]: must start with '/' and may end with one '*', got '/*/b'"),
    (with_steps("{at: 10s, invalidate: []}"), "x.yaml:4: steps[0].invalidate: must be a path like '/*'"),
    (with_steps("{at: 10s, unblackhole: primary}"),
     "x.yaml:4: steps[0]: at 10 s: cannot unblackhole an origin that is up (it must be blackholed)"),
    (with_steps("{at: 10s, blackhole: primary}", "{at: 20s, kill: primary}"),
     "x.yaml:5: steps[1]: at 20 s: cannot kill an origin that is blackholed (it must be up)"),
    # variants
    ("distribution: distributions/default.json\nvariants:\n  - {name: only}\n",
     "x.yaml:3: variants: needs at least two variants to compare"),
    ("distribution: distributions/default.json\nvariants:\n  - {name: A}\n  - {name: b}\n",
     "x.yaml:3: variants[0].name: must be lower-case letters, digits and '-', got 'A'"),
    ("distribution: distributions/default.json\nvariants:\n  - {name: a}\n  - {name: a}\n",
     "x.yaml:4: variants[1].name: variant 'a' is defined twice"),
    ("distribution: distributions/default.json\nvariants:\n  - {name: a, distribution: nope.json}\n  - {name: b}\n",
     "x.yaml:3: variants[0].distribution: cannot read"),
    ("distribution: distributions/default.json\nvariants:\n  - {name: a, expect: {hit_ration: '> 1'}}\n"
     "  - {name: b}\n", "x.yaml:3: variants[0].expect.hit_ration: unknown metric 'hit_ration'"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(": ", 1)[-1][:40] for _, m in BAD])
def test_bad_scenario_is_one_line(text: str, message: str) -> None:
    with pytest.raises(ScenarioInputError) as info:
        parse(text)
    text_of_error = str(info.value)
    assert "\n" not in text_of_error
    assert text_of_error.startswith(message), text_of_error


def test_good_scenario_resolves_percentages() -> None:
    scenario = parse(GOOD)
    assert scenario.name == "x"
    assert scenario.description == "test: a scenario used by the tests."
    assert scenario.origin_ids == ("primary", "secondary")
    assert [(s.action, s.at_s) for s in scenario.steps] == [("kill", 19.8), ("restart", 40.0)]
    assert scenario.expect == (("hit_ratio", "> 0.7"),)
    shorter = scenario.with_overrides(duration_s=30, users=3)
    assert shorter.load.users == 3 and shorter.load.spawn_rate == 3
    # the percentage moves with the duration, the absolute time does not (and is now late)
    assert [(s.action, s.at_s) for s in shorter.steps] == [("kill", 9.9), ("restart", 40.0)]
    assert shorter.late_step() is not None and shorter.late_step().action == "restart"


@pytest.mark.parametrize(("text", "seconds"), [
    (20, 20.0), ("20s", 20.0), ("1m", 60.0), ("1m30s", 90.0), ("250ms", 0.25), ("1.5", 1.5),
])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "s", "1x", "-5", True, None, "1m 2"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_step_time_percent() -> None:
    assert parse_step_time("33%") == StepTime(33.0, percent=True)
    assert parse_step_time("33%").resolve(60) == 19.8
    assert parse_step_time("20s").resolve(999) == 20.0


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: p.stem)
def test_shipped_scenarios_validate(path) -> None:
    scenario = load_scenario(str(path))
    assert scenario.description, "each scenario opens with a comment saying what it proves"
    assert scenario.description.startswith(f"{path.stem}: ")
    assert "Proves:" in scenario.description
    # a user waits at most about a minute and a half per run (variants run one after another)
    assert 10 <= scenario.load.duration_s <= 90
    assert all(0 <= s.at_s < scenario.load.duration_s for s in scenario.steps)
    assert scenario.expect, "each scenario says what CloudFront-like behaviour looks like"


LIBRARY = {"baseline", "primary-503", "primary-killed", "primary-refused", "primary-blackhole",
           "primary-hang", "primary-slow", "primary-flapping", "primary-truncated",
           "status-not-in-criteria", "post-no-failover", "both-origins-down",
           "error-caching-outlasts-recovery", "default-vs-tuned-timeouts", "cold-cache-failover",
           "secondary-overload"}


def test_shipped_set() -> None:
    assert {p.stem for p in shipped_scenarios()} >= LIBRARY


FULL = """\
# full: every section.
distribution: distributions/default.json
load:
  probe_interval: 200ms
  stages:
    - {users: 4, spawn_rate: 4, duration: 10s}
    - {users: 12, spawn_rate: 6, duration: 20s}
steps:
  - {at: 10s, invalidate: "/*"}
  - {at: 10s, blackhole: primary}
  - {at: 50%, unblackhole: primary}
rollback:
  - {unblackhole: primary}
  - {clear: {target: secondary}}
steady_state: {success_ratio: 0.98, window: 4s, min_requests: 5, checks: {latency_ms.p95: "< 300"}}
abort:
  - {metric: error_ratio, condition: "> 0.5", window: 10s}
  - {metric: latency_ms.p99, condition: "> 5000", window: 5s, min_requests: 3}
repeat: 3
expect:
  faults[0].errors: "<= 5"
"""


def test_full_scenario() -> None:
    scenario = parse(FULL)
    load = scenario.load
    assert (load.users, load.duration_s, load.probe_interval_ms) == (12, 30.0, 200)
    assert [(s.users, s.spawn_rate, s.duration_s) for s in load.stages] == [(4, 4.0, 10.0), (12, 6.0, 20.0)]
    assert [(s.action, s.target, s.at_s) for s in scenario.steps] == [
        ("invalidate", "edge", 10.0), ("blackhole", "primary", 10.0), ("unblackhole", "primary", 15.0)]
    assert scenario.steps[0].params == {"paths": ["/*"]}
    assert [(s.action, s.target) for s in scenario.rollback] == [("unblackhole", "primary"), ("clear", "secondary")]
    steady = scenario.steady_state
    assert (steady.success_ratio, steady.window_s, steady.min_requests) == (0.98, 4.0, 5)
    assert [str(c) for c in steady.checks] == ["latency_ms.p95 < 300"]
    assert [(r.check.metric, str(r.check.condition), r.window_s, r.min_requests) for r in scenario.abort] == [
        ("error_ratio", "> 0.5", 10.0, 20), ("latency_ms.p99", "> 5000", 5.0, 3)]
    assert scenario.repeat == 3 and scenario.success_ratio == 0.98
    # --duration keeps the stages' proportions; percentages move with it
    shorter = scenario.with_overrides(duration_s=15, repeat=1)
    assert [s.duration_s for s in shorter.load.stages] == [5.0, 10.0] and shorter.repeat == 1
    assert [s.at_s for s in shorter.steps] == [7.5, 10.0, 10.0]  # the 50 % step moves first
    with pytest.raises(ScenarioInputError, match="--users: x.yaml has load stages"):
        scenario.with_overrides(users=3)
    with pytest.raises(ScenarioInputError, match="--repeat: must be within 1..50, got 0"):
        scenario.with_overrides(repeat=0)
    resolved = scenario.to_dict()
    assert resolved["rollback"] == [{"unblackhole": "primary"}, {"clear": "secondary"}]
    assert resolved["steps"][0] == {"at": 10.0, "invalidate": ["/*"]}
    assert resolved["steady_state"]["success_ratio"] == 0.98 and resolved["repeat"] == 3
    assert resolved["load"]["stages"][1] == {"users": 12, "spawn_rate": 6.0, "duration": 20.0}


def test_variants() -> None:
    scenario = parse("""\
        # v: variants.
        distribution: distributions/default.json
        steps:
          - {at: 10s, blackhole: primary}
        expect: {hit_ratio: "> 0.5", "faults[0].errors": "<= 5"}
        variants:
          - {name: aws-defaults, distribution: distributions/aws-default-timeouts.json,
             expect: {"faults[0].errors": "> 50"}}
          - {name: tuned}
        """)
    assert [v.name for v in scenario.variants] == ["aws-defaults", "tuned"]
    defaults = scenario.variant(scenario.variants[0])
    assert defaults.name == "x-aws-defaults" and defaults.distribution.name == "aws-default-timeouts.json"
    assert dict(defaults.expect) == {"hit_ratio": "> 0.5", "faults[0].errors": "> 50"}  # merged, overridden
    tuned = scenario.variant(scenario.variants[1])
    assert tuned.distribution == scenario.distribution and dict(tuned.expect) == dict(scenario.expect)
    assert not tuned.variants and tuned.steps == scenario.steps
