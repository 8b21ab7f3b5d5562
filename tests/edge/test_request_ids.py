"""Request IDs (edge/core/responses.py): CloudFront's shape, never repeated, made in batches."""

from __future__ import annotations

import base64
import re

from edge.core.responses import ID_BATCH, new_request_id


def test_request_ids_look_like_cloudfronts_and_never_repeat_across_batches() -> None:
    ids = [new_request_id() for _ in range(10 * ID_BATCH + 7)]  # over several batches
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{54}==", i) for i in ids)
    assert len(set(ids)) == len(ids)
    decoded = [base64.urlsafe_b64decode(i) for i in ids]
    assert {len(d) for d in decoded} == {40}
    # Every one of the 40 bytes varies, the last (encoded on its own) included.
    for position in (0, 38, 39):
        assert len({d[position] for d in decoded}) > 200
