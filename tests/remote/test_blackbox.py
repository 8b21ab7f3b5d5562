"""A black-box run: the harness gets only URLs (an edge and origins this test started as separate
processes, standing in for a real distribution and deployed origins) and produces a full report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.remote.conftest import Deployment, run_cli, scenario_text

pytestmark = pytest.mark.slow

STEPS = """
{at: 30%, fault: {target: primary, type: status, status: 503}}
{at: 70%, clear: primary}
"""


def test_remote_run_produces_a_full_report(deployment: Deployment, tmp_path: Path) -> None:
    origins = {name: o.control_url for name, o in deployment.origins.items()}
    scenario = tmp_path / "remote-503.yaml"
    scenario.write_text(scenario_text(deployment.target, origins, STEPS, duration="8s", users=5,
                                      extra='expect:\n  faults[0].time_to_failover_s: "< 2.0"\n'))
    before = {name: o.control().stats()["requests"] for name, o in deployment.origins.items()}
    run_dir = tmp_path / "run"
    result = run_cli("run", str(scenario), "--out", str(run_dir))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout

    # the plan, printed before anything was sent, then the control check
    assert f"plan: target {deployment.target} [loopback]" in out
    assert "plan: load 5 viewers + 1 probe, at most 60 requests/s, for 8 s" in out
    assert "plan: fault at 2.4 s: fault status on primary" in out
    step = re.search(r"^step at [0-9.]+ s: fault status on primary$", out, re.M)
    assert step is not None and out.index("plan: every control API answered (2 origins)") < step.start()
    assert "no local edge or origin" in out

    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    kinds = [e["kind"] for e in events]
    assert kinds[:3] == ["run-start", "stack-ready", "load-start"] and kinds[-2:] == ["load-end", "run-end"]
    ready = events[1]["params"]
    assert ready["remote"] is True and ready["target"] == deployment.target
    assert set(ready["origins"]) == {"primary", "secondary"}
    steps = [e for e in events if e["kind"] in ("fault", "clear")]
    assert [(e["kind"], e["ok"], e.get("fault_edge")) for e in steps] == [("fault", True, "start"), ("clear", True, "end")]
    assert events[-1]["params"]["status"] == "completed"
    assert len(events[-1]["params"]["pids"]) == 1  # Locust: the only process this run started

    # the report: failover measured from the viewers' side, edge-log cross-check not available
    summary = json.loads((run_dir / "summary.json").read_text())
    fault = summary["faults"][0]
    # the stand-in fails over on the first miss after the fault; the probe ticks every 100 ms
    assert fault["time_to_failover_s"] is not None and 0 <= fault["time_to_failover_s"] < 2.0
    assert summary["requests"] > 100 and summary["passed"] is True
    assert summary["edge_log"]["available"] is False
    assert "not available" in summary["edge_log"]["reason"]
    html = (run_dir / "report.html").read_text()
    assert "not available" in html
    assert list((run_dir / "plots").glob("*.png"))
    assert not (run_dir / "edge-access.log").exists()

    # the viewers saw CloudFront's headers and the origins' ids
    frame = pd.read_csv(run_dir / "requests.csv", keep_default_na=False)
    assert set(frame.x_cache) >= {"Hit", "Miss"}
    assert set(frame.origin) >= {"primary", "secondary"}
    assert (frame[frame.ok == 1]["pop"] == "EMU50-C1").all()  # X-Amz-Cf-Pop on every answer

    # the remote origins took the fault, really served the load, and were left healthy
    primary = deployment.origins["primary"].control()
    stats = primary.stats()
    assert stats["by_status"].get("503", 0) > 0
    assert stats["requests"] > before["primary"]
    assert primary.faults() == []
    scenario_yaml = (run_dir / "scenario.yaml").read_text()
    assert "TEST_PRIMARY_CONTROL_TOKEN" in scenario_yaml and "primary-token-1" not in scenario_yaml
