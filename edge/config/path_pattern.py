"""CloudFront's PathPattern syntax, compiled once when the config is loaded.

``*`` matches zero or more characters (``/`` included), ``?`` exactly one; matching is
case-sensitive; a leading ``/`` in the pattern is optional; the query string is not part
of the path. Which behaviour wins is :mod:`edge.core.matching`'s job.
"""

from __future__ import annotations

import re


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
