"""Load stages (the Locust shape), the repeat distribution and the blackhole rule text: pure."""

from __future__ import annotations

import json

import pytest

from scenarios.batch.repeat import distribution, judge, summary_lines
from scenarios.run.locust_cmd import STAGES_ENV, locust_argv, locust_env
from scenarios.spec.stage_plan import ENV, parse_stages, stage_at
from scenarios.stack.blackhole import rule_spec, stale_tags
from tests.scenarios.test_model import FULL, parse


def test_stage_at() -> None:
    stages = parse_stages("[[4, 4, 10], [12, 6, 20]]")
    assert stage_at(stages, 0) == (5, 4.0)  # + the probe user
    assert stage_at(stages, 9.9) == (5, 4.0)
    assert stage_at(stages, 10) == (13, 6.0)
    assert stage_at(stages, 29.9) == (13, 6.0)
    assert stage_at(stages, 30) is None
    with pytest.raises(ValueError, match="every stage needs users >= 1"):
        parse_stages("[[0, 1, 5]]")


def test_locust_command_with_stages(tmp_path) -> None:
    scenario = parse(FULL)
    assert STAGES_ENV == ENV
    argv = locust_argv(scenario, "http://127.0.0.1:1", tmp_path)
    assert "-u" not in argv and "-t" not in argv  # the shape decides
    assert argv[argv.index("-f") + 1].endswith("locustfiles/harness.py," + str(
        argv[argv.index("-f") + 1].split(",")[1]))
    assert json.loads(locust_env(scenario)[ENV]) == [[4, 4.0, 10.0], [12, 6.0, 20.0]]
    plain = parse("distribution: distributions/default.json\nload: {users: 3, duration: 9s}\n")
    argv = locust_argv(plain, "http://127.0.0.1:1", tmp_path)
    assert argv[argv.index("-u") + 1] == "4" and argv[argv.index("-t") + 1] == "9s"
    assert ENV not in locust_env(plain)


def summary(ttf: float | None, errors: int, hit: float) -> dict:
    return {"hit_ratio": hit, "error_ratio": 0.0, "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0},
            "faults": [{"id": 0, "time_to_failover_s": ttf, "errors": errors}]}


def test_repeat_distribution_and_judgement() -> None:
    summaries = [summary(0.2, 1, 0.8), summary(0.6, 0, 0.9), summary(None, 9, 0.7)]
    expect = (("faults[0].time_to_failover_s", "< 0.5"), ("faults[0].errors", "<= 5"), ("hit_ratio", "> 0.85"))
    metrics = distribution(summaries, expect)
    assert metrics["faults[0].time_to_failover_s"] == {"median": 0.4, "min": 0.2, "max": 0.6, "n": 2}
    assert metrics["faults[0].errors"] == {"median": 1.0, "min": 0.0, "max": 9.0, "n": 3}
    assert metrics["hit_ratio"]["median"] == 0.8
    rows = judge(metrics, expect)
    assert [r["passed"] for r in rows] == [True, True, False]
    assert rows[2]["reason"] == "median 0.8 is not > 0.85"
    doc = {"runs_done": 3, "repeat": 3, "runs": [{"run": f"run-0{i}", "status": "completed"} for i in (1, 2, 3)],
           "metrics": metrics, "expect": rows}
    lines = summary_lines(doc)
    assert lines[0] == "3 of 3 runs: run-01 completed, run-02 completed, run-03 completed"
    assert lines[1] == "  ✓ faults[0].time_to_failover_s < 0.5: median 0.4 (min 0.2, max 0.6, n 2)"


def test_blackhole_rules_text() -> None:
    assert rule_spec(4242, "cf-harness-7-4242") == [
        "-p", "tcp", "-d", "127.0.0.1", "--dport", "4242", "-m", "comment", "--comment",
        "cf-harness-7-4242", "-j", "DROP"]
    listing = "\n".join([
        "-P INPUT ACCEPT",
        '-A INPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 4242 -m comment --comment cf-harness-7-4242 -j DROP',
        '-A INPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 4343 -m comment --comment "cf-harness-8-4343" -j DROP',
        "-A INPUT -p tcp --dport 22 -j ACCEPT",
    ])
    assert stale_tags(listing, alive={8}) == [("cf-harness-7-4242", 4242)]
    assert stale_tags(listing, alive=set()) == [("cf-harness-7-4242", 4242), ("cf-harness-8-4343", 4343)]
