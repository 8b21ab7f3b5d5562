"""Which cache behaviour handles a path: CloudFront's PathPattern rules.

Behaviours are tried in list order, the first match wins and the default behaviour
(``*``) comes last. The patterns themselves are compiled at load time
(:mod:`edge.config.path_pattern`).
"""

from __future__ import annotations

from collections.abc import Sequence

from edge.config.model import CacheBehavior


def match_behavior(
    behaviors: Sequence[CacheBehavior], default: CacheBehavior, path: str
) -> CacheBehavior:
    """The first behaviour whose pattern matches ``path``, else ``default``."""
    for behavior in behaviors:
        if behavior.matches(path):
            return behavior
    return default
