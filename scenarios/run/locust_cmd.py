"""The Locust command line of a run (headless, per-request CSV, probe, optional load stages)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from scenarios.spec.model import Scenario
from scenarios.spec.stage_plan import ENV as STAGES_ENV
from scenarios.stack import procs

HARNESS = procs.REPO_ROOT / "locustfiles" / "harness.py"
STAGES = procs.REPO_ROOT / "scenarios" / "run" / "locust_stages.py"


def locust_argv(scenario: Scenario, host: str, run_dir: Path) -> list[str]:
    """``python -m locust ...`` for ``scenario`` against ``host``, writing into ``run_dir``."""
    load = scenario.load
    if load.stages:
        # The shape decides users and run time; -u/-r/-t would only draw a warning.
        shape: list[str] = ["-f", f"{HARNESS},{STAGES}"]
    elif load.arrival_rate:  # the open model: one ArrivalViewer and the probe
        shape = ["-f", str(HARNESS), "-u", "2", "-r", "2", "-t", f"{load.duration_s:g}s",
                 "--arrival-rate", f"{load.arrival_rate:g}", "--max-in-flight", str(load.max_in_flight)]
    else:
        shape = ["-f", str(HARNESS),
                 "-u", str(load.users + 1),  # + the probe (fixed_count = 1)
                 "-r", f"{max(load.spawn_rate, 1.0):g}", "-t", f"{load.duration_s:g}s"]
    return procs.python_module_argv(
        "locust", *shape, "--headless",
        "--host", host, "--requests-csv", str(run_dir / "requests.csv"),
        "--csv", str(run_dir / "locust"), "--html", str(run_dir / "locust.html"),
        "--probe-interval-ms", str(load.probe_interval_ms),
        "--catalogue-size", str(load.catalogue_size), "--only-summary", "--loglevel", "WARNING",
        "--stop-timeout", "2", "--exit-code-on-error", "0")


def locust_env(scenario: Scenario) -> dict[str, str]:
    """The environment of the Locust process (the stages, when there are any)."""
    env = dict(os.environ)
    if scenario.load.stages:
        env[STAGES_ENV] = json.dumps([[s.users, s.spawn_rate, s.duration_s] for s in scenario.load.stages])
    else:
        env.pop(STAGES_ENV, None)
    return env
