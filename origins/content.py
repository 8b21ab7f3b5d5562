"""The objects an origin serves, derived from the request path alone.

Both origins of a group must serve byte-identical objects with the same validators
(``ETag``, ``Last-Modified``), or a failover would look like a content change to the
cache. So nothing here depends on the origin id, the clock or any state: body, size and
validators are pure functions of the path.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from origins.errors import OriginsError

DEFAULT_SIZE = 1024
MAX_SIZE = 64 * 1024 * 1024
# A fixed date: validators must not change when an origin restarts mid-run.
LAST_MODIFIED_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z

_SIZE_SUFFIX = re.compile(r"-(\d{1,12})(?:\.[A-Za-z0-9]{1,10})?$")


class ContentError(OriginsError, ValueError):
    """The path names an object this origin cannot serve (e.g. too large)."""


@dataclass(frozen=True)
class StaticObject:
    """A cacheable object: its body and validators."""

    path: str
    body: bytes
    etag: str
    last_modified: str

    @property
    def size(self) -> int:
        return len(self.body)


def size_for(name: str) -> int:
    """Body size from the object name: ``a-4096`` (or ``a-4096.txt``) is 4096 bytes, else 1024."""
    last = name.rsplit("/", 1)[-1]
    match = _SIZE_SUFFIX.search(last)
    if not match:
        return DEFAULT_SIZE
    size = int(match.group(1))
    if size > MAX_SIZE:
        raise ContentError(f"object size {size} is too large (max {MAX_SIZE} bytes)")
    return size


def make_object(path: str, name: str) -> StaticObject:
    """The object served at ``path`` whose last segment(s) are ``name``."""
    size = size_for(name)
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()
    # A 64-byte line repeated: cheap to build at any size, readable in a hex dump.
    unit = (digest[:63] + "\n").encode("ascii")
    body = (unit * (size // len(unit) + 1))[:size]
    etag = f'"{digest[:24]}-{size}"'
    return StaticObject(path=path, body=body, etag=etag, last_modified=http_date(LAST_MODIFIED_EPOCH))


def http_date(epoch: float) -> str:
    """RFC 9110 IMF-fixdate for an epoch time."""
    return format_datetime(datetime.fromtimestamp(int(epoch), tz=timezone.utc), usegmt=True)


def _etag_matches(if_none_match: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): a cache that turned our
    # strong ETag into W/"..." (compression) must still get its 304.
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        if candidate.strip().removeprefix("W/") == bare:
            return True
    return False


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified_epoch: int
) -> bool:
    """Whether a conditional GET gets 304. If-None-Match, when present, wins (RFC 9110 13.2.2)."""
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored, as RFC 9110 says
    if since.tzinfo is None:
        return False
    return last_modified_epoch <= since.timestamp()
