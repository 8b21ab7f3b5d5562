"""Load stages as Locust's shape reads them (pure; no Locust import, so tests can use it).

The runner passes ``[[users, spawn_rate, duration_s], ...]`` as JSON in :data:`ENV`; the shape
in ``scenarios/run/locust_stages.py`` asks :func:`stage_at` what to run at each tick.
"""

from __future__ import annotations

import json

ENV = "HARNESS_LOAD_STAGES"
PROBE_USERS = 1  # the Probe class has fixed_count = 1 and is counted in the user total


def parse_stages(text: str) -> list[tuple[int, float, float]]:
    """``[[users, spawn_rate, duration_s], ...]`` from JSON (ValueError when malformed)."""
    stages = [(int(u), float(r), float(d)) for u, r, d in json.loads(text)]
    if not stages or any(u < 1 or r <= 0 or d <= 0 for u, r, d in stages):
        raise ValueError(f"{ENV}: every stage needs users >= 1, spawn_rate > 0, duration > 0")
    return stages


def stage_at(stages: list[tuple[int, float, float]], run_time: float) -> tuple[int, float] | None:
    """(users, spawn_rate) for ``run_time`` seconds into the run; None once the last stage ends."""
    end = 0.0
    for users, rate, duration in stages:
        end += duration
        if run_time < end:
            return users + PROBE_USERS, rate
    return None
