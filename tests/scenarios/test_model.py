"""Scenario validation: every bad file is refused with one line naming file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from scenarios.durations import StepTime, parse_duration, parse_step_time
from scenarios.errors import ScenarioInputError
from scenarios.loader import load_scenario, parse_scenario, shipped_scenarios

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
    (with_steps("{at: 10s, fault: {target: primary, type: latncy}}"),
     "x.yaml:4: steps[0].fault.type: unknown fault 'latncy' (known: status, latency, hang"),
    (with_steps("{at: 10s, fault: {target: primary, type: status}}"),
     "x.yaml:4: steps[0].fault: fault type 'status' needs 'status'"),
    (with_steps("{at: 10s, fault: {target: primary, type: hang, probability: 2}}"),
     "x.yaml:4: steps[0].fault.probability: must be a number within 0..1, got 2"),
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
    assert scenario.load.duration_s == 60
    assert all(0 < s.at_s < 60 for s in scenario.steps)


def test_shipped_set() -> None:
    assert {p.stem for p in shipped_scenarios()} >= {"baseline", "primary-503", "primary-killed"}
