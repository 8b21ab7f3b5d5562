"""Load stages for Locust: a LoadTestShape following ``HARNESS_LOAD_STAGES``.

The runner passes this file to Locust next to the harness's locustfile
(``-f locustfiles/harness.py,scenarios/run/locust_stages.py``) only when a scenario has
``load.stages``. Each stage ramps to its user count (plus the one fixed probe user) and holds
until its duration ends; after the last stage the shape returns None and headless Locust quits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from locust import LoadTestShape

try:
    from scenarios.spec.stage_plan import ENV, parse_stages, stage_at
except ModuleNotFoundError:  # loaded as a plain file, with the repository not on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from scenarios.spec.stage_plan import ENV, parse_stages, stage_at


class HarnessStages(LoadTestShape):
    """The scenario's load stages."""

    def __init__(self) -> None:
        super().__init__()
        self.stages = parse_stages(os.environ[ENV]) if os.environ.get(ENV) else []

    def tick(self) -> tuple[int, float] | None:
        if not self.stages:
            return None
        return stage_at(self.stages, self.get_run_time())
