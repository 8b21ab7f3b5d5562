"""Range GETs served from a whole object (Developer Guide, "Range GETs"), no IO.

The edge always fetches and caches whole objects (the viewer's ``Range`` is not forwarded:
origins are treated as ignoring ranges) and answers one ``bytes=`` range from a *cached*
object: ``206`` with ``Content-Range``. The request that missed gets the origin's whole
``200``, as CloudFront's viewer does when the origin ignored the range it forwarded (current
"Range GETs" page); later ones are cut from the cache.
A range that starts past the end is ``416`` with ``Content-Range: bytes */LENGTH``. Several
ranges, or anything it cannot parse, get the whole object with ``200``, as CloudFront does
for descending or overlapping ranges (multipart/byteranges answers are not emulated).
"""

from __future__ import annotations

from edge.core.outcome import Outcome, header_size

UNSATISFIABLE = (-1, -1)


def byte_range(header: str, length: int) -> tuple[int, int] | None:
    """(first, last) inclusive for one range, UNSATISFIABLE, or None for "send it all"."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first_text:                      # suffix: the last N bytes
            count = int(last_text)
            if count <= 0:
                return UNSATISFIABLE if count == 0 else None
            return (max(0, length - count), length - 1) if length else UNSATISFIABLE
        first = int(first_text)
        last = int(last_text) if last_text else length - 1
    except ValueError:
        return None
    if first >= length >= 0 and first >= 0:
        return UNSATISFIABLE
    if first < 0 or last < first:
        return None
    return first, min(last, length - 1)


def ranged(outcome: Outcome, header: str) -> tuple[Outcome, tuple[int, int] | None]:
    """The answer to a Range GET of ``outcome`` (a 200), and the range for the log."""
    length = len(outcome.body)
    chosen = byte_range(header, length)
    if chosen is None:
        return outcome, None
    kept = tuple((k, v) for k, v in outcome.headers if k.lower() != "content-range")
    if chosen == UNSATISFIABLE:
        headers = kept + (("Content-Range", f"bytes */{length}"),)
        return Outcome(416, headers, b"", outcome.result_type, outcome.detailed,
                       outcome.origin_id, outcome.age, outcome.fetch,
                       header_bytes=header_size(headers)), None
    first, last = chosen
    headers = kept + (("Content-Range", f"bytes {first}-{last}/{length}"),)
    return Outcome(206, headers, outcome.body[first:last + 1], outcome.result_type,
                   outcome.detailed, outcome.origin_id, outcome.age, outcome.fetch,
                   header_bytes=header_size(headers),
                   content_type=outcome.content_type), chosen
