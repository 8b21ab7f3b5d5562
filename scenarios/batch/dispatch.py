"""Which kind of run a scenario asks for: variants, repeats or one run."""

from __future__ import annotations

from pathlib import Path

from scenarios.batch.repeat import run_repeated
from scenarios.batch.variants import run_variants
from scenarios.run.runner import make_run_dir, run_once
from scenarios.spec.model import Scenario


def run_scenario(scenario: Scenario, out: Path | None = None, target: str | None = None) -> int:
    """Run ``scenario`` (``repeat`` times) into a new run folder (or ``out``); returns the exit code."""
    run_dir = make_run_dir(scenario.name, out)
    if scenario.variants:
        return run_variants(scenario, run_dir, target, run_scenario)
    if scenario.repeat > 1:
        return run_repeated(scenario, run_dir, target, run_once)
    return run_once(scenario, run_dir, target)
