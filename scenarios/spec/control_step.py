"""The ``control`` step: one JSON call on an origin's control API or on the edge's admin API.

::

    - {at: 35%, control: {target: secondary, method: PUT, path: /access/require-header,
                          body: {values: [old-secret, new-secret]}}}
    - {at: 50%, control: {target: edge, method: PUT, path: /origins/secondary/custom-headers,
                          body: {headers: {X-Origin-Verify: new-secret}}}}

It changes configuration, not health: it moves no origin state and opens no fault window
(a secret-header rotation is three such steps). The event records the method, path and
status, never the body (it may carry secrets). A status >= 300 fails the step.
"""

from __future__ import annotations

from typing import Any

from scenarios.spec.fields import Checker
from scenarios.spec.yamlsrc import Path_

ACTION = "control"
METHODS = ("GET", "POST", "PUT", "DELETE")


def parse_control(value: Any, path: Path_, targets: tuple[str, ...], check: Checker) -> tuple[str, dict[str, Any]]:
    """``(target, params)`` of a control step; ``targets`` are the origin Ids and ``edge``."""
    call = check.mapping(value, path, ("target", "method", "path", "body"))
    target = call.get("target")
    if target not in targets:
        raise check.fail((*path, "target"), f"unknown target {target!r} (known: {', '.join(targets)})")
    method = str(call.get("method", "POST")).upper()
    if method not in METHODS:
        raise check.fail((*path, "method"), f"must be one of {', '.join(METHODS)}")
    api_path = call.get("path")
    if not isinstance(api_path, str) or not api_path.startswith("/"):
        raise check.fail((*path, "path"), "must be an API path starting with '/'")
    body = call.get("body")
    if body is not None and not isinstance(body, (dict, list)):
        raise check.fail((*path, "body"), "must be a mapping or a list (sent as JSON)")
    return str(target), {"method": method, "path": api_path, "body": body}


