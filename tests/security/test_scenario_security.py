"""The scenario pieces the security runs need: the ``stack`` section and the ``control`` step."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.errors import ScenarioInputError
from scenarios.spec.loader import load_scenario, parse_scenario
from scenarios.spec.stack_args import expand

HEAD = "distribution: distributions/default.json\nload: {users: 2, duration: 10s}\n"


def test_shipped_security_scenarios_validate() -> None:
    access = load_scenario("origin-access")
    assert access.stack_args.keys and access.stack_args.origins["primary"][0] == "--private-bucket"
    controls = [s for s in access.steps if s.action == "control"]
    assert [s.target for s in controls] == ["secondary", "edge", "secondary"]
    assert [s.at_s for s in controls] == [14.0, 20.0, 26.0]
    fle = load_scenario("fle-checkout")
    assert "--checkouts" in fle.stack_args.locust
    assert fle.to_dict()["stack"]["edge"][-1] == "{keys}/fle-public-key.json"


def test_placeholders_expand() -> None:
    args = ("--a", "{keys}/x.json", "{origins}", "{origin.secondary}", "{run}/attacks.csv")
    out = expand(args, Path("/r"), {"primary": "127.0.0.1:1", "secondary": "127.0.0.1:2"})
    assert out == ["--a", "/r/keys/x.json", "http://127.0.0.1:1,http://127.0.0.1:2", "http://127.0.0.1:2",
                   "/r/attacks.csv"]


@pytest.mark.parametrize("section, message", [
    ("stack: {edge: [--oac, '{keys}/a']}", "stack.edge[1]: {keys} needs 'keys: true'"),
    ("stack: {keys: true, edge: [--oac, '{nope}']}", "unknown placeholder {nope}"),
    ("stack: {locust: [--attack-targets, '{origin.tertiary}']}", "unknown origin 'tertiary'"),
    ("stack: {origins: {tertiary: [--x]}}", "stack.origins.tertiary: unknown key"),
    ("stack: {edge: [--listen, ':1']}", "'--listen' is not allowed here"),
    ("stack: {edge: [{a: 1}]}", "must be a string"),
    ("stack: {keys: yes-please}", "must be true or false"),
    ("stack: {other: []}", "stack.other: unknown key"),
])
def test_stack_section_errors(section: str, message: str) -> None:
    with pytest.raises(ScenarioInputError, match=message.replace("{", r"\{").replace("[", r"\[")):
        parse_scenario(HEAD + section + "\n", "s.yaml")


@pytest.mark.parametrize("step, message", [
    ("{at: 1s, control: {target: nowhere, path: /x}}", "unknown target 'nowhere'"),
    ("{at: 1s, control: {target: edge, path: x}}", "must be an API path"),
    ("{at: 1s, control: {target: edge, method: PATCH, path: /x}}", "must be one of GET, POST, PUT, DELETE"),
    ("{at: 1s, control: {target: edge, path: /x, body: 3}}", "must be a mapping or a list"),
    ("{at: 1s, control: {target: edge, path: /x, extra: 1}}", "unknown key"),
])
def test_control_step_errors(step: str, message: str) -> None:
    with pytest.raises(ScenarioInputError, match=message):
        parse_scenario(HEAD + f"steps:\n  - {step}\n", "s.yaml")


def test_control_steps_move_no_state() -> None:
    # A control call between a fault and its clear neither closes nor opens a window.
    scenario = parse_scenario(HEAD + """steps:
  - {at: 2s, fault: {target: primary, type: status, status: 503}}
  - {at: 4s, control: {target: primary, method: PUT, path: /access/require-header, body: {values: [a]}}}
  - {at: 6s, clear: primary}
""", "s.yaml")
    assert [s.action for s in scenario.steps] == ["fault", "control", "clear"]
    assert scenario.steps[1].to_dict() == {"at": 4.0, "control": {
        "target": "primary", "method": "PUT", "path": "/access/require-header", "body": {"values": ["a"]}}}
