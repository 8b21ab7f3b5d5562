"""``make ui`` without a browser: the launcher, Locust's web UI and the Chaos tab's routes.

One real session (origins with a token, the edge, Locust with its web UI) driven over HTTP
the way the tab's buttons drive it: start the load, fault the primary, watch the misses move
to the secondary, clear, stop, build the report, Ctrl-C.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from typing import Any

import pytest
import requests
import yaml

from origins.client import ControlError, OriginControl
from scenarios.ui.api import PanelApi
from tests.ui.launcher import REPO, pids_alive, start_session, swarm

VIEWERS = 8


def secondary_share(state: dict[str, Any]) -> float:
    return state["live"]["window"]["miss_share"].get("secondary", 0.0)


@pytest.fixture(scope="module")
def explored(tmp_path_factory) -> dict[str, Any]:
    """The whole exploratory run; the tests below check what it left behind."""
    run_dir = tmp_path_factory.mktemp("ui") / "run"
    session = start_session(run_dir, "--users", str(VIEWERS))
    facts: dict[str, Any] = {"run_dir": run_dir}
    try:
        ready = next(e for e in session.events() if e["kind"] == "stack-ready")
        facts["pids"] = [ready["params"]["edge"]["pid"], *(o["pid"] for o in ready["params"]["origins"].values())]
        try:
            OriginControl(f"http://{ready['params']['origins']['primary']['control']}").faults()
            facts["control_without_token"] = "answered"
        except ControlError as exc:
            facts["control_without_token"] = exc.status
        facts["page"] = requests.get(f"{session.url}/", timeout=10).text
        facts["panel"] = requests.get(f"{session.url}/chaos/", timeout=10).text
        swarm(session, VIEWERS + 1)
        session.wait_for(lambda s: s["live"]["window"]["miss_share"].get("primary", 0) > 0.9
                         and s["live"]["requests"] > 50, 20, "misses answered by the primary")
        fault = session.step({"action": "fault", "target": "primary", "params": {"type": "status", "status": 503}})
        facts["fault"] = (fault.status_code, fault.json())
        t0 = time.monotonic()
        facts["switched"] = session.wait_for(lambda s: secondary_share(s) > 0.6, 15, "misses on the secondary")
        facts["switch_s"] = time.monotonic() - t0
        refused = session.step({"action": "kill", "target": "primary"})
        facts["refused"] = (refused.status_code, refused.json())
        facts["table"] = requests.get(f"{session.url}/stats/requests", timeout=10).json()["extended_stats"]
        clear = session.step({"action": "clear", "target": "primary"})
        facts["clear"] = (clear.status_code, clear.json())
        early = requests.post(f"{session.url}/chaos/report", timeout=10)
        facts["early_report"] = (early.status_code, early.json())
        requests.post(f"{session.url}/stop", timeout=10)
        session.wait_for(lambda s: s["session"]["phase"] == "stopped", 20, "the run closed")
        report = requests.post(f"{session.url}/chaos/report", timeout=180)
        facts["report"] = (report.status_code, report.json())
        facts["report_page"] = requests.get(f"{session.url}/chaos/report.html", timeout=10)
        late = session.step({"action": "kill", "target": "primary"})
        facts["late"] = (late.status_code, late.json())
    finally:
        t_end = time.monotonic()
        facts["exit"] = session.end()
        facts["end_s"] = time.monotonic() - t_end
    facts["events"] = session.events()
    return facts


def test_the_tab_is_in_locusts_own_ui(explored) -> None:
    assert '<script src="./chaos/assets/tab.js"></script></body>' in explored["page"]
    assert '"extended_tabs": [{"key": "chaos", "title": "Chaos"}]' in explored["page"]
    assert 'id="fault-form"' in explored["panel"]
    rows = {r["origin"]: r for r in explored["table"][0]["data"]}
    assert explored["table"][0]["key"] == "chaos"
    assert rows["primary"]["state"] == "faulted" and rows["primary"]["faults"].startswith("status: status 503")
    assert rows["secondary"]["state"] == "up" and "edge (all requests)" in rows


def test_origins_need_the_token(explored) -> None:
    assert explored["control_without_token"] == 401


def test_a_fault_moves_the_misses_to_the_secondary(explored) -> None:
    status, event = explored["fault"]
    assert status == 200 and event["kind"] == "fault" and event["target"] == "primary"
    assert (event["fault_id"], event["fault_edge"]) == (0, "start") and event["t"] > 0
    # misses fail over at once; the 10 s window needs a few seconds to turn over (bound generous
    # for two shared cores)
    assert explored["switch_s"] < 15
    assert explored["switched"]["live"]["window"]["errors"] == 0  # failover hides the 503s


def test_refusals_say_why(explored) -> None:
    assert explored["refused"] == (409, {"error": "cannot kill primary: it is faulted (it must be up)",
                                         "status": 409})
    assert explored["early_report"][0] == 409 and "stop the test first" in explored["early_report"][1]["error"]
    assert explored["late"][0] == 409 and "the run is over" in explored["late"][1]["error"]


def test_events_are_recorded_like_scenario_steps(explored) -> None:
    kinds = [e["kind"] for e in explored["events"]]
    # the refused kills never reached the stack: nothing to record, as a validator refusal
    assert kinds == ["run-start", "stack-ready", "load-start", "fault", "clear", "load-end", "run-end"]
    by_kind = {e["kind"]: e for e in explored["events"]}
    assert (by_kind["clear"]["fault_id"], by_kind["clear"]["fault_edge"]) == (0, "end")
    assert by_kind["run-end"]["params"]["status"] == "completed"
    assert by_kind["load-start"]["t"] == 0.0 and by_kind["clear"]["t"] > by_kind["fault"]["t"] > 0


def test_the_run_folder_has_a_headless_runs_shape(explored) -> None:
    run_dir = explored["run_dir"]
    for name in ("scenario.yaml", "events.jsonl", "requests.csv", "edge-access.log", "report.html",
                 "summary.json", "logs/locust.log", "logs/edge.log", "logs/primary.log"):
        assert (run_dir / name).exists(), name
    scenario = yaml.safe_load((run_dir / "scenario.yaml").read_text())
    assert scenario["name"] == "ui"
    assert [list(s)[1] for s in scenario["steps"]] == ["fault", "clear"]  # replayable as a scenario
    status, body = explored["report"]
    assert status == 200 and body["path"] == str(run_dir / "report.html")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["requests"] > 50
    fault = summary["faults"][0]
    assert (fault["target"], fault["kind"]) == ("primary", "fault")
    # a 503 primary fails over on the first miss; loopback, so well under a second
    assert fault["time_to_failover_s"] is not None and fault["time_to_failover_s"] < 1.0
    assert explored["report_page"].status_code == 200 and "<html" in explored["report_page"].text.lower()


def test_ctrl_c_ends_everything(explored) -> None:
    code, out = explored["exit"]
    assert code == 0, out[-2000:]
    assert "Traceback" not in out
    assert explored["end_s"] < 30  # Locust stops, faults reset, the stack goes down
    assert pids_alive(explored["pids"]) == []


def test_the_launchers_api_needs_its_token() -> None:
    api = PanelApi(session=None, token="s3cret").start()  # type: ignore[arg-type]
    try:
        assert requests.get(f"{api.url}/state", timeout=5).status_code == 401
        wrong = requests.get(f"{api.url}/state", headers={"Authorization": "Bearer nope"}, timeout=5)
        assert wrong.status_code == 401 and wrong.json()["error"].startswith("missing or wrong")
        assert api.url.startswith("http://127.0.0.1:")
    finally:
        api.close()


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "-1"], "--workers: must be within 0..64, got -1"),
    (["--master-bind", "x:y"], "--master-bind: expected HOST:PORT"),
    (["--distribution", "nope.json"], "cannot read"),
    (["--users", "0"], "load.users"),
    (["--web-port", "70000"], "--web-port: must be within 1..65535"),
    (["--web-port", "{busy}"], "is in use (another `make ui`?); choose another with --web-port"),
])
def test_bad_input_is_one_line(args: list[str], message: str, tmp_path) -> None:
    with socket.socket() as busy:  # a port something else listens on
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args = [a.replace("{busy}", str(busy.getsockname()[1])) for a in args]
        result = subprocess.run([sys.executable, "-m", "scenarios.ui", "--out", str(tmp_path / "r"), *args],
                                cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "r").exists()  # refused before anything started
