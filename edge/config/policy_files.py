"""The custom policies a distribution may name, loaded from the edge's policy flags.

``--cache-policy``, ``--origin-request-policy`` and ``--response-headers-policy`` each take a
file as ``aws cloudfront get-*-policy --id ID`` prints it; a behaviour refers to it by Id or
Name. Managed policies need no file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from edge.config.cache_policy_file import load_policies
from edge.config.origin_request_policies import OriginRequestPolicy, load_origin_request_policies
from edge.config.policies import CachePolicy
from edge.config.response_headers_policies import ResponseHeadersPolicy, load_response_headers_policies

# The edge's flag for each kind of policy file (the scenario loader reads a scenario's
# ``stack.edge`` arguments with the same names).
FLAGS = {"cache": "--cache-policy", "origin_request": "--origin-request-policy",
         "response_headers": "--response-headers-policy"}


@dataclass(frozen=True)
class CustomPolicies:
    """Custom policies by Id and by Name."""

    cache: dict[str, CachePolicy] = field(default_factory=dict)
    origin_request: dict[str, OriginRequestPolicy] = field(default_factory=dict)
    response_headers: dict[str, ResponseHeadersPolicy] = field(default_factory=dict)


def load_custom_policies(cache: Sequence[str] = (), origin_request: Sequence[str] = (),
                         response_headers: Sequence[str] = ()) -> CustomPolicies:
    """Read every file; ConfigError (one line, naming the file and field) on the first bad one."""
    return CustomPolicies(cache=load_policies(list(cache)),
                          origin_request=load_origin_request_policies(list(origin_request)),
                          response_headers=load_response_headers_policies(list(response_headers)))


def policy_files_in(argv: Sequence[str]) -> dict[str, list[str]]:
    """The policy files named in an edge command line, by kind (see :data:`FLAGS`)."""
    out: dict[str, list[str]] = {kind: [] for kind in FLAGS}
    for i, arg in enumerate(argv[:-1]):
        for kind, flag in FLAGS.items():
            if arg == flag:
                out[kind].append(argv[i + 1])
    return out
