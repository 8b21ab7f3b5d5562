"""Property tests: the config loader never crashes, patterns behave like CloudFront's."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config.loader import parse_distribution
from edge.config.path_pattern import compile_path_pattern
from edge.config.policies import CachePolicy
from edge.core.ttl import object_ttl
from edge.errors import ConfigError
from tests.edge import configs

BASE = configs.distribution(envelope=False)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


PATHS = _paths(BASE)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(PATHS), json_values)
def test_any_value_anywhere_loads_or_gives_one_line_error(path: tuple[Any, ...],
                                                           value: Any) -> None:
    doc = copy.deepcopy(BASE)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        parse_distribution(doc, "p.json")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("p.json: ") and "\n" not in message


literal = st.text(st.characters(min_codepoint=33, max_codepoint=126,
                                blacklist_characters="*?"), min_size=1, max_size=12)


@given(literal)
def test_literal_pattern_matches_only_itself(text: str) -> None:
    path = "/" + text.lstrip("/")
    matcher = compile_path_pattern(path)
    assert matcher.fullmatch(path)
    assert not matcher.fullmatch(path + "x")
    assert not matcher.fullmatch(path[:-1])


@given(literal, st.text(max_size=12))
def test_star_suffix_matches_every_continuation(prefix: str, rest: str) -> None:
    pattern = "/" + prefix.lstrip("/") + "*"
    assert compile_path_pattern(pattern).fullmatch(pattern[:-1] + rest)


policies = st.builds(
    lambda lo, d, hi: CachePolicy("p", lo, max(lo, d), max(lo, d, hi)),
    st.integers(0, 1000), st.integers(0, 100_000), st.integers(0, 10_000_000))
directives = st.lists(st.sampled_from(
    ["public", "private", "no-store", "no-cache", "max-age=0", "max-age=60", "max-age=9999999",
     "s-maxage=5", "stale-if-error=30", "must-revalidate", "max-age=junk"]), max_size=4)


@given(policies, directives)
def test_a_stored_object_ttl_stays_within_the_policy(policy: CachePolicy,
                                                     parts: list[str]) -> None:
    ttl = object_ttl(policy, ", ".join(parts), None, 1_764_333_000.0)
    if ttl is not None:
        # Stored objects never outlive MaxTTL, and never undercut MinTTL.
        assert policy.min_ttl <= ttl <= max(policy.max_ttl, policy.min_ttl)
        assert ttl > 0
    if policy.min_ttl > 0:
        assert ttl is not None      # MinTTL > 0 always caches (it overrides no-store)
