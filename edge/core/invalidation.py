"""Invalidations: CloudFront's ``InvalidationBatch`` checked and answered, without IO.

``{"Paths": {"Quantity": N, "Items": ["/a", "/img/*"]}, "CallerReference": "..."}``
(the shape ``aws cloudfront create-invalidation --invalidation-batch`` takes; the
``{"InvalidationBatch": {...}}`` envelope is accepted too). Paths start with
``/`` (added when missing, as the console does), are at most 4,000 characters,
and may contain ``*`` only as the last character. A path removes every cached
variant (headers, cookies, encodings) of that URL; ``/p*`` every URL that starts
with ``/p``. The answer is the API's ``{"Location", "Invalidation": {"Id",
"Status": "Completed", "CreateTime", "InvalidationBatch"}}``: local caches drop
the objects before answering.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from edge.errors import EdgeError

MAX_PATH = 4000
MAX_PATHS = 3000
_ids = itertools.count(1)


class InvalidationError(EdgeError, ValueError):
    """The batch is invalid; the message names the field (as the API's InvalidArgument)."""


def parse_batch(body: Any) -> tuple[list[str], str]:
    """(paths, caller reference) of an InvalidationBatch document."""
    if isinstance(body, dict) and "InvalidationBatch" in body:
        body = body["InvalidationBatch"]
    if not isinstance(body, dict):
        raise InvalidationError('body: expected an InvalidationBatch object {"Paths": '
                                '{"Quantity": N, "Items": [...]}, "CallerReference": ...}')
    paths = body.get("Paths")
    if not isinstance(paths, dict) or not isinstance(paths.get("Items", []), list):
        raise InvalidationError("Paths: expected {\"Quantity\": N, \"Items\": [PATH, ...]}")
    items = paths.get("Items", [])
    quantity = paths.get("Quantity", len(items))
    if quantity != len(items):
        raise InvalidationError(f"Paths.Quantity: {quantity!r} does not match the "
                                f"{len(items)} Items")
    if not 1 <= len(items) <= MAX_PATHS:
        raise InvalidationError(f"Paths.Items: 1..{MAX_PATHS} paths are allowed, got {len(items)}")
    out = []
    for i, path in enumerate(items):
        if not isinstance(path, str) or not path:
            raise InvalidationError(f"Paths.Items[{i}]: expected a non-empty string")
        if len(path) > MAX_PATH:
            raise InvalidationError(f"Paths.Items[{i}]: longer than {MAX_PATH} characters")
        if "*" in path[:-1]:
            raise InvalidationError(f"Paths.Items[{i}]: {path!r}: '*' is allowed only as the "
                                    "last character")
        out.append(path if path.startswith("/") else "/" + path)
    reference = body.get("CallerReference", "")
    if not isinstance(reference, str):
        raise InvalidationError("CallerReference: expected a string")
    return out, reference


def invalidation_answer(paths: list[str], reference: str, now: float | None = None
                        ) -> dict[str, Any]:
    """The CreateInvalidation response document."""
    number = next(_ids)
    invalidation_id = f"I{number:013d}"
    when = now if now is not None else time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
    return {
        "Location": f"/2020-05-31/distribution/local/invalidation/{invalidation_id}",
        "Invalidation": {
            "Id": invalidation_id, "Status": "Completed", "CreateTime": stamp,
            "InvalidationBatch": {"Paths": {"Quantity": len(paths), "Items": paths},
                                  "CallerReference": reference},
        },
    }
