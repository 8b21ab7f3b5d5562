"""PathPattern matching: ``*``/``?`` wildcards, case-sensitive, first match wins."""

from __future__ import annotations

import pytest

from edge.config.loader import parse_distribution
from edge.config.path_pattern import compile_path_pattern
from edge.core.matching import match_behavior
from tests.edge import configs


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("/static/*", "/static/a.css", True),
    ("/static/*", "/static/", True),               # * matches zero characters
    ("/static/*", "/static", False),
    ("/static/*", "/Static/a.css", False),         # case-sensitive
    ("/static/*", "/static/deep/er/x", True),      # * crosses slashes
    ("static/*", "/static/x", True),               # leading / is optional
    ("*.jpg", "/img/a.jpg", True),
    ("*.jpg", "/img/a.jpeg", False),
    ("/a?c", "/abc", True),
    ("/a?c", "/ac", False),                        # ? is exactly one character
    ("/a?c", "/abbc", False),
    ("/v1.0/*", "/v1x0/a", False),                 # . is literal
    ("/a+b/(x)", "/a+b/(x)", True),                # regex metacharacters are literal
])
def test_path_pattern(pattern: str, path: str, matches: bool) -> None:
    assert (compile_path_pattern(pattern).fullmatch(path) is not None) is matches


@pytest.mark.parametrize(("path", "pattern"), [
    ("/static/x", "/static/*"),
    ("/api/probe", "/api/*"),
    ("/form/card", "/form/*"),
    ("/other", "*"),
    ("/apis/x", "*"),
])
def test_first_match_wins_default_last(path: str, pattern: str) -> None:
    dist = parse_distribution(configs.distribution())
    doc = configs.distribution(envelope=False)
    # A later, broader behaviour must not shadow an earlier one.
    doc["CacheBehaviors"]["Items"].append(configs.behavior("grp", pattern="/*"))
    doc["CacheBehaviors"]["Quantity"] += 1
    shadowed = parse_distribution(doc)
    assert match_behavior(dist.behaviors, dist.default_behavior, path).path_pattern == pattern
    got = match_behavior(shadowed.behaviors, shadowed.default_behavior, path).path_pattern
    assert got == (pattern if pattern != "*" else "/*")
