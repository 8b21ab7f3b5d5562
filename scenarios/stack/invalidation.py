"""The ``invalidate`` step: one CreateInvalidation call on the edge's admin API.

``POST /invalidations`` with CloudFront's InvalidationBatch
(``{"Paths": {"Quantity": N, "Items": [...]}, "CallerReference": "..."}``) and the run's
bearer token; the event records the paths, the invalidation's Id and Status and how many
cached objects the edge dropped.
"""

from __future__ import annotations

from typing import Any

import requests

from scenarios.errors import StackError

TIMEOUT_S = 10.0


def invalidate(admin: str, token: str, paths: list[str], caller_reference: str) -> dict[str, Any]:
    """Invalidate ``paths`` on the edge whose admin API listens on ``admin`` (``HOST:PORT``)."""
    batch = {"Paths": {"Quantity": len(paths), "Items": list(paths)}, "CallerReference": caller_reference}
    try:
        answer = requests.post(f"http://{admin}/invalidations", json=batch,
                               headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise StackError(f"invalidation failed: {exc}") from None
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if answer.status_code >= 300:
        message = body.get("error") or answer.text.strip()[:200]
        raise StackError(f"the edge refused the invalidation ({answer.status_code}): {message}")
    invalidation = body.get("Invalidation") or {}
    return {"paths": list(paths), "id": invalidation.get("Id"), "status": invalidation.get("Status"),
            "objects_removed": body.get("ObjectsRemoved")}
