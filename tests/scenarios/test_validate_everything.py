"""``validate`` makes every check a run would make, before any process starts (#12, item 4):
the distribution through the edge's own loader, faults through the origins' registry,
``expect`` paths against what the run can produce, every problem of a file reported, and
the same exit code as ``run``."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scenarios.errors import ScenarioInputError
from scenarios.spec.loader import parse_scenario
from scenarios.stack.procs import REPO_ROOT

DEFAULT = json.loads((REPO_ROOT / "distributions" / "default.json").read_text())


def _config(document: dict[str, Any]) -> dict[str, Any]:
    return document.get("DistributionConfig", document)


def _group_members(doc: dict[str, Any], members: list[str]) -> None:
    group = _config(doc)["OriginGroups"]["Items"][0]["Members"]
    group["Items"] = [{"OriginId": m} for m in members]
    group["Quantity"] = len(members)


def _ttls(doc: dict[str, Any]) -> None:
    behavior = _config(doc)["DefaultCacheBehavior"]
    behavior.pop("CachePolicyId", None)
    behavior["ForwardedValues"] = {"QueryString": False, "Cookies": {"Forward": "none"}}
    behavior.update({"MinTTL": 100, "DefaultTTL": 50, "MaxTTL": 10})


def _policy(doc: dict[str, Any]) -> None:
    _config(doc)["DefaultCacheBehavior"]["CachePolicyId"] = "00000000-0000-0000-0000-000000000000"


BROKEN = {  # each once passed validate and was refused only by the edge at start
    "three-member group": lambda d: _group_members(d, ["primary", "secondary", "primary"]),
    "one-member group": lambda d: _group_members(d, ["primary"]),
    "unknown member": lambda d: _group_members(d, ["primary", "tertiary"]),
    "MinTTL above MaxTTL": _ttls,
    "unknown cache policy": _policy,
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_distribution_the_edge_would_refuse_is_refused_by_validate(name: str, tmp_path: Path) -> None:
    document = copy.deepcopy(DEFAULT)
    BROKEN[name](document)
    (tmp_path / "d.json").write_text(json.dumps(document))
    with pytest.raises(ScenarioInputError) as refused:
        parse_scenario("distribution: d.json\n", "x.yaml", base=tmp_path)
    assert str(refused.value).startswith("x.yaml:1: distribution: the edge refuses it: "), str(refused.value)


@pytest.mark.parametrize(("expect", "message"), [
    ('faults[3].errors: "<= 5"', "expect.faults[3].errors: the timeline opens 1 fault window(s) "
                                 "(allowed: faults[0]..faults[0])"),
    ('latency_ms.p96: "< 100"', "unknown metric 'p96' under latency_ms (known: max, p50, p90, p95, p99)"),
    ('faults[0].time_to_failovr_s: "< 1"', "unknown metric 'time_to_failovr_s' under faults[0]"),
])
def test_expect_paths_the_run_cannot_produce_are_refused(expect: str, message: str) -> None:
    text = ("distribution: distributions/default.json\nsteps:\n  - {at: 5s, kill: primary}\n"
            f"expect:\n  {expect}\n")
    with pytest.raises(ScenarioInputError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        parse_scenario(text, "x.yaml", base=REPO_ROOT)


def test_every_problem_of_a_file_is_reported() -> None:
    text = ("distribution: distributions/default.json\n"
            "load: {users: 0}\n"
            "steps:\n"
            "  - {at: 5s, fault: {target: primary, type: status, status: 999}}\n"
            "  - {at: 6s, kill: nobody}\n"
            "expect:\n"
            "  latncy: \"< 1\"\n"
            "repeat: 0\n")
    with pytest.raises(ScenarioInputError) as refused:
        parse_scenario(text, "x.yaml", base=REPO_ROOT)
    lines = str(refused.value).splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == [
        "load.users", "steps[0].fault.status", "steps[1].kill", "expect.latncy", "repeat"], lines


def test_validate_and_run_give_the_same_code_and_lines_for_the_same_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("distribution: distributions/default.json\nload: {users: 0}\nrepeat: 0\n")
    results = [subprocess.run([sys.executable, "-m", "scenarios", *args, str(bad)], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=60)
               for args in (["validate"], ["run"])]
    assert [r.returncode for r in results] == [2, 2]
    assert results[0].stderr == results[1].stderr and len(results[0].stderr.splitlines()) == 2
    assert all(line.startswith("scenarios: ") for line in results[0].stderr.splitlines())


def test_a_server_that_refuses_to_start_says_why_on_the_runners_terminal(tmp_path: Path) -> None:
    # An --oac file that does not exist passes the scenario's checks (the file is the edge's to
    # read) and the edge refuses it at start: its own one line must reach the terminal.
    scenario = tmp_path / "s.yaml"
    scenario.write_text("distribution: distributions/default.json\nload: {users: 1, duration: 5s}\n"
                        "stack: {edge: ['--oac', 'distributions/nope.json']}\n")
    result = subprocess.run([sys.executable, "-m", "scenarios", "run", str(scenario), "--out",
                             str(tmp_path / "run")], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "edge exited with code 2 before it was ready: edge: --oac distributions/nope.json: cannot read" \
        in result.stdout + result.stderr, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize(("stack", "message"), [
    # Locust takes --hos for --host: this once sent load off the machine, past every rail.
    ("{locust: ['--hos=http://192.0.2.1']}", "stack.locust[0]: '--hos=http://192.0.2.1' is not allowed here"),
    ("{locust: ['--use=99']}", "stack.locust[0]: '--use=99' is not allowed here"),
    ("{locust: ['-u', '99']}", "stack.locust[0]: '-u' is not allowed here"),
    ("{locust: ['--attack-targets', 'http://192.0.2.1']}",
     "stack.locust[1]: --attack-targets: 'http://192.0.2.1' is not {origins} or {origin.NAME}"),
    ("{locust: ['--checkouts', '500']}", "stack.locust[1]: --checkouts: '500' is not a whole number 0..50"),
    ("{edge: ['--pops', '99']}", "stack.edge[1]: --pops: '99' is not a whole number 1..32"),
    ("{edge: ['--listen', ':0']}", "stack.edge[0]: '--listen' is not allowed here"),
    ("{origins: {primary: ['--max-age']}}", "stack.origins.primary[0]: --max-age needs a value"),
    ("{edge: ['--no-collapse=1']}", "stack.edge[0]: --no-collapse takes no value"),
])
def test_only_named_checked_flags_reach_the_processes(stack: str, message: str) -> None:
    text = f"distribution: distributions/default.json\nstack: {stack}\n"
    with pytest.raises(ScenarioInputError) as refused:
        parse_scenario(text, "x.yaml", base=REPO_ROOT)
    assert f"x.yaml:2: {message}" in str(refused.value), str(refused.value)


def test_every_process_s_arguments_are_checked() -> None:
    text = ("distribution: distributions/default.json\n"
            "stack: {locust: ['--hos=http://192.0.2.1'], edge: ['--pops', '99']}\n")
    with pytest.raises(ScenarioInputError) as refused:
        parse_scenario(text, "x.yaml", base=REPO_ROOT)
    assert len(str(refused.value).splitlines()) == 2
