"""Which cache behaviour handles a path: CloudFront's PathPattern rules.

``*`` matches zero or more characters (``/`` included), ``?`` exactly one;
matching is case-sensitive; a leading ``/`` in the pattern is optional; the
query string is not part of the path. Behaviours are tried in list order, the
first match wins and the default behaviour (``*``) comes last.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from edge.config.model import CacheBehavior


def compile_path_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a PathPattern once, at load time, into an anchored regex."""
    if not pattern.startswith(("/", "*")):
        pattern = "/" + pattern
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


def match_behavior(
    behaviors: Sequence[CacheBehavior], default: CacheBehavior, path: str
) -> CacheBehavior:
    """The first behaviour whose pattern matches ``path``, else ``default``."""
    for behavior in behaviors:
        if behavior.matches(path):
            return behavior
    return default
