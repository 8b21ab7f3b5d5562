"""docs/SCENARIO_KEYS.md is generated from the model: it cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.metrics.thresholds import parse_expect
from scenarios.spec import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "SCENARIO_KEYS.md"


def test_the_committed_reference_is_what_the_code_generates() -> None:
    assert DOC.read_text(encoding="utf-8") == reference.markdown(), (
        "docs/SCENARIO_KEYS.md differs from the code: run "
        "'.venv/bin/python -m scenarios reference > docs/SCENARIO_KEYS.md' and commit it")


def test_every_listed_expect_path_is_one_the_parser_takes() -> None:
    paths = reference.expect_paths()
    assert "faults[N].time_to_failover_s" in paths and "by_origin.ORIGIN.misses" in paths
    for pattern in paths:
        path = pattern.replace("[N]", "[0]").replace("ORIGIN", "primary").replace("…", "x")
        parse_expect({path: "< 1"})  # raises on a path the report does not know


def test_a_key_without_text_stops_the_generator() -> None:
    with pytest.raises(ValueError, match=r"load: no text for \['burst'\]"):
        reference._table("load", ("users", "burst"), {"users": "viewers"})
    with pytest.raises(ValueError, match=r"text for keys that are gone: \['users'\]"):
        reference._table("load", (), {"users": "viewers"})
