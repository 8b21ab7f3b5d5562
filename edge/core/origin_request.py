"""HTTP/1.1 to origins, without IO: the head of the request the edge sends.

The edge's origin client (:mod:`edge.wire.origin_client`) writes :func:`request_head` and
reads the answer with :class:`edge.core.origin_http.ResponseParser`.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.core.http11 import BAD_FIELD, TOKEN


def request_head(method: str, target: str, headers: dict[str, str], body: bytes | None) -> bytes:
    """The request line and headers (lower-case names, as given), CRLF-terminated.

    ``Content-Length`` is the edge's own: it is written when there is a body (``b""``
    included) and never taken from ``headers``, nor is ``Transfer-Encoding``. A name, value
    or target that would break the head (a line break, a control character, a space in the
    target) is a ValueError: nothing a viewer or edge code sends can add a line of its own.
    Text goes out as Latin-1 (a viewer's bytes, as they came), else as UTF-8.
    """
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()
              if k != "content-length" and k != "transfer-encoding"]
    if body is not None:
        lines.append(f"content-length: {len(body)}")
    if BAD_FIELD.search("\t".join(lines)) or " " in target or not (
            _NAMES_SEEN.issuperset(headers) or _names_ok(headers)):
        raise ValueError(f"the request to the origin cannot be written: {lines!r:.200}")
    text = "\r\n".join(lines) + "\r\n\r\n"
    try:
        return text.encode("latin-1")  # what a viewer sent goes on byte for byte
    except UnicodeEncodeError:  # text edge code wrote beyond Latin-1
        return text.encode("utf-8")


# Header names found to be tokens: a request's names are nearly always ones sent before, so
# one set lookup each instead of a regex match each (about 1 us a request of 7 headers).
_NAMES_SEEN: set[str] = set()


def _names_ok(names: Iterable[str]) -> bool:
    for name in names:
        if name not in _NAMES_SEEN:
            if not TOKEN.fullmatch(name):
                return False
            if len(_NAMES_SEEN) >= 4096:  # edge code could make up endless names
                _NAMES_SEEN.clear()
            _NAMES_SEEN.add(name)
    return True
