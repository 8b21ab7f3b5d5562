"""Validation of ``target`` and remote ``origins``: local-only steps refused up front, with the reason."""

from __future__ import annotations

import pytest

from scenarios.errors import ScenarioInputError
from scenarios.spec.loader import parse_scenario
from tests.remote.conftest import scenario_text

LOCAL = "http://127.0.0.1:9001"
BOTH = {"primary": LOCAL, "secondary": "http://127.0.0.1:9002"}


def parse(text: str):
    return parse_scenario(text, "remote.yaml")


def test_a_remote_scenario_parses_into_typed_objects() -> None:
    scenario = parse(scenario_text("http://127.0.0.1:8080", BOTH, """
        {at: 20%, fault: {target: primary, type: status, status: 503}}
        {at: 40%, clear: primary}
        {at: 60%, control: {target: secondary, method: GET, path: /stats}}
    """))
    remote = scenario.remote
    assert remote is not None and remote.target == "http://127.0.0.1:8080"
    assert [(o.origin_id, o.control, o.token_env) for o in remote.origins] == [
        ("primary", LOCAL, "TEST_PRIMARY_CONTROL_TOKEN"),
        ("secondary", "http://127.0.0.1:9002", "TEST_SECONDARY_CONTROL_TOKEN")]
    # the run folder's scenario.yaml records URLs and variable names, never a token
    assert scenario.to_dict()["remote"]["origins"]["primary"] == {"control": LOCAL,
                                                                  "token_env": "TEST_PRIMARY_CONTROL_TOKEN"}


def test_a_scenario_without_target_or_origins_is_local() -> None:
    assert parse(scenario_text(None, {})).remote is None


@pytest.mark.parametrize(("steps", "message"), [
    ("{at: 20%, kill: primary}\n{at: 60%, restart: primary}",
     "remote.yaml:9: steps[0].kill: refused with remote origins: kill signals the origin's process, "
     "which runs on another host; use a fault through the control API instead"),
    ("{at: 20%, stop: primary}\n{at: 60%, restart: primary}", "steps[0].stop: refused with remote origins"),
    ("{at: 20%, fault: {target: primary, type: status, status: 503}}\n{at: 30%, clear: primary}\n"
     "{at: 40%, kill: secondary}\n{at: 60%, restart: secondary}",
     "steps[2].kill: refused with remote origins"),
    ("{at: 20%, pause: primary}\n{at: 60%, resume: primary}",
     "steps[0].pause: refused with remote origins: pause sends SIGSTOP"),
    ("{at: 20%, blackhole: primary}\n{at: 60%, unblackhole: primary}",
     "steps[0].blackhole: refused with remote origins: blackhole adds a firewall rule on this machine"),
    ("{at: 20%, invalidate: /static/*}", "steps[0].invalidate: refused with remote origins: invalidate goes "
     "to the emulated edge's admin API; invalidate a real distribution with 'aws cloudfront create-invalidation'"),
    ("{at: 20%, control: {target: edge, method: GET, path: /stats}}",
     "steps[0].control: refused with remote origins: control on the edge calls the emulated edge's admin API"),
])
def test_local_only_steps_are_refused_with_the_reason(steps: str, message: str) -> None:
    with pytest.raises(ScenarioInputError) as exc:
        parse(scenario_text("http://127.0.0.1:8080", BOTH, steps))
    assert message in str(exc.value)


def test_restart_alone_is_refused_too() -> None:
    # the remote refusal comes before the state machine would complain about restarting a live origin
    with pytest.raises(ScenarioInputError, match=r"steps\[0\].restart: refused with remote origins: restart "
                                                 "starts the origin's process on this machine"):
        parse(scenario_text("http://127.0.0.1:8080", BOTH, "{at: 50%, restart: primary}"))


@pytest.mark.parametrize(("target", "origins", "steps", "extra", "message"), [
    ("http://127.0.0.1:8080", {"primary": LOCAL}, "{at: 20%, fault: {target: secondary, type: hang}}", "",
     "steps[0].fault: origin 'secondary' has no control URL under 'origins' (remote origins: primary)"),
    ("http://127.0.0.1:8080", {"tertiary": LOCAL}, "", "", "origins.tertiary: unknown key (allowed: primary, secondary)"),
    ("http://127.0.0.1:8080", {"primary": "127.0.0.1:9001"}, "", "",
     "origins.primary.control: expected a URL like https://d111111abcdef8.cloudfront.net"),
    ("d111.cloudfront.net", {"primary": LOCAL}, "", "", "target: expected a URL like"),
    ("http://127.0.0.1:8080", {}, "{at: 20%, fault: {target: primary, type: hang}}", "",
     "steps: a scenario with a target and no remote origins cannot have steps"),
    ("http://127.0.0.1:8080", {"primary": LOCAL}, "", "rollback:\n  - {kill: primary}\n",
     "rollback[0].kill: refused with remote origins"),
    ("http://127.0.0.1:8080", {"primary": LOCAL}, "", "stack:\n  edge: [--pop, X]\n",
     "stack.edge: starts or configures local processes"),
    ("http://127.0.0.1:8080", {"primary": LOCAL}, "", "stack:\n  locust: [--attack-targets, '{origins}']\n",
     "stack.locust[1]: origin and key placeholders need the local stack"),
    ("http://127.0.0.1:8080", {"primary": LOCAL}, "",
     "variants:\n  - {name: a}\n  - {name: b}\n", "variants: variants run other distribution files"),
])
def test_bad_remote_sections(target: str, origins: dict[str, str], steps: str, extra: str, message: str) -> None:
    with pytest.raises(ScenarioInputError) as exc:
        parse(scenario_text(target, origins, steps, extra))
    assert message in str(exc.value)


def test_a_control_url_off_the_machine_needs_a_token_variable() -> None:
    text = ("distribution: distributions/default.json\ntarget: http://127.0.0.1:8080\n"
            "origins:\n  primary: {control: 'https://primary.example.com:9443'}\n")
    with pytest.raises(ScenarioInputError, match="remote.yaml:4: origins.primary: a control URL off this "
                                                 "machine needs 'token_env: VAR'"):
        parse(text)
    bad_name = text.replace("9443'}", "9443', token_env: 'not a name'}")
    with pytest.raises(ScenarioInputError, match="token_env: must be an environment variable name"):
        parse(bad_name)
