"""Locust's conventions on `run`: -u/-r/-t/-H, LOCUST_* variables, a locust.conf-style file,
command line > environment > file > scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.cli import apply_run_options, build_parser
from scenarios.errors import ScenarioInputError
from scenarios.spec.run_options import parse_conf, resolve

REPO = Path(__file__).resolve().parents[2]


def test_locust_spellings_parse() -> None:
    args = build_parser().parse_args(["run", "baseline", "-u", "5", "-r", "2.5", "-t", "30s", "-H",
                                      "http://127.0.0.1:9"])
    assert (args.users, args.spawn_rate, args.duration, args.target) == (5, 2.5, "30s", "http://127.0.0.1:9")
    args = build_parser().parse_args(["run", "baseline", "--run-time", "1m", "--host", "http://x"])
    assert (args.duration, args.target) == ("1m", "http://x")


def test_precedence_command_line_environment_file() -> None:
    conf = parse_conf("# a comment\n[locust]\nusers = 7\nspawn_rate = 3\nrun-time = 20s\n", "harness.conf")
    assert conf == {"users": "7", "spawn-rate": "3", "run-time": "20s"}
    values, sources = resolve({"users": 9, "spawn_rate": None, "duration": None},
                              {"LOCUST_SPAWN_RATE": "4"}, conf, "harness.conf")
    assert values == {"users": 9, "spawn_rate": 4.0, "duration": "20s"}
    assert sources == {"users": "command line", "spawn_rate": "LOCUST_SPAWN_RATE", "duration": "harness.conf"}
    # Nothing set anywhere: the scenario's own value stands.
    assert resolve({}, {}, {}, "f") == ({}, {})


@pytest.mark.parametrize(("text", "env", "message"), [
    ("users = 3\ncolour = blue\n", {}, "harness.conf:2: unknown key 'colour' (allowed: users, spawn-rate, "
                                       "run-time, host, repeat, workers)"),
    ("users three\n", {}, "harness.conf:1: expected 'key = value', got 'users three'"),
    ("users = many\n", {}, "harness.conf: users: must be a whole number, got 'many'"),
    ("", {"LOCUST_SPAWN_RATE": "fast"}, "LOCUST_SPAWN_RATE: must be a number, got 'fast'"),
])
def test_bad_options_name_where(text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ScenarioInputError) as caught:
        resolve({}, env, parse_conf(text, "harness.conf"), "harness.conf")
    assert str(caught.value) == message


def test_apply_fills_only_what_the_command_line_left(tmp_path: Path) -> None:
    conf = tmp_path / "mine.conf"
    conf.write_text("users = 4\nhost = http://127.0.0.1:9\nworkers = 2\n")
    args = build_parser().parse_args(["run", "baseline", "-u", "6", "--config", str(conf)])
    sources = apply_run_options(args, {"LOCUST_RUN_TIME": "12s"})
    assert (args.users, args.duration, args.target, args.workers) == (6, "12s", "http://127.0.0.1:9", 2)
    assert sources["target"] == str(conf)


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def test_a_target_from_the_environment_keeps_the_safety_rails() -> None:
    result = _run("run", "baseline", env={"LOCUST_HOST": "http://example.com"})
    assert result.returncode == 2 and result.stdout == ""
    assert "--target: example.com is not a loopback address" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_run_with_locust_options_exports_its_summary(tmp_path: Path) -> None:
    (tmp_path / "harness.conf").write_text("users = 3\nrun-time = 30s\n")  # picked up from the cwd
    scenario = tmp_path / "steady.yaml"
    scenario.write_text(f"distribution: {REPO / 'distributions' / 'default.json'}\n"
                        "load: {users: 20, duration: 60s}\nexpect: {errors: '<= 1000'}\n")
    out, export = tmp_path / "run", tmp_path / "export" / "summary.json"
    result = _run("run", str(scenario), "-t", "6", "-r", "3", "--out", str(out),
                  "--summary-export", str(export), env={"LOCUST_SPAWN_RATE": "1"}, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    load = (out / "scenario.yaml").read_text()
    # users from the file, spawn rate from the command line (over the environment), 6 s over 30 s
    assert "users: 3\n" in load and "spawn_rate: 3.0\n" in load and "duration: 6.0\n" in load
    assert json.loads(export.read_text()) == json.loads((out / "summary.json").read_text())
    assert f"summary exported: {export}" in result.stdout
    assert "thresholds: 1 of 1 held ✓ PASS" in result.stdout
    live = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert [r["t"] for r in live] == [1, 2, 3, 4, 5, 6]
    assert sum(r["requests"] for r in live) > 0 and set(live[0]) >= {"hit_ratio", "misses_by_origin"}


@pytest.mark.parametrize(("load", "message"), [
    ("{model: open}", "load.rate: model: open needs rate"),
    ("{model: open, rate: 100, users: 5}", "load.users: not with model: open"),
    ("{model: open, rate: 0}", "load.rate: must be"),
    ("{model: open, rate: 50000}", "load.rate: must be"),
    ("{users: 5, rate: 100}", "load.rate: only with model: open"),
    ("{model: poisson}", "load.model: must be one of closed, open, got 'poisson'"),
])
def test_open_model_load_is_checked(load: str, message: str) -> None:
    from scenarios.spec.loader import parse_scenario

    with pytest.raises(ScenarioInputError, match=message.replace("(", r"\\(")):
        parse_scenario(f"distribution: distributions/default.json\nload: {load}\n", "x.yaml", base=REPO)


def test_open_model_reaches_locust() -> None:
    from scenarios.run.locust_cmd import locust_argv
    from scenarios.spec.loader import load_scenario

    scenario = load_scenario("primary-hang-open")
    assert (scenario.load.arrival_rate, scenario.load.max_in_flight) == (150.0, 1000)
    argv = locust_argv(scenario, "http://127.0.0.1:9", Path("/tmp/run"))
    assert argv[argv.index("-u") + 1] == "2" and argv[argv.index("--arrival-rate") + 1] == "150"
    assert scenario.to_dict()["load"]["model"] == "open"
    with pytest.raises(ScenarioInputError, match="--users: .* uses the open model"):
        scenario.with_overrides(users=10)
