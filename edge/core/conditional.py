"""A viewer's conditional request against a cached object (RFC 9110 section 13), no IO."""

from __future__ import annotations

from dataclasses import replace
from email.utils import parsedate_to_datetime

from edge.core.cache import CacheEntry
from edge.core.viewer_http import head_block


def viewer_has_it(if_none_match: str | None, if_modified_since: str | None,
                  entry: CacheEntry) -> bool:
    """Does the viewer's conditional request match the cached object (RFC 9110 13.1)?

    If-None-Match wins when present (weak comparison, ``*`` matches anything); otherwise
    If-Modified-Since against the stored Last-Modified.
    """
    if if_none_match is not None:
        if entry.etag is None:
            return False  # no ETag stored: CloudFront ignores the viewer's If-None-Match
        if if_none_match.strip() == "*":
            return True
        bare = entry.etag.removeprefix("W/")
        return any(c.strip().removeprefix("W/") == bare for c in if_none_match.split(","))
    if if_modified_since is None or entry.last_modified is None:
        return False
    try:
        return parsedate_to_datetime(entry.last_modified) <= parsedate_to_datetime(
            if_modified_since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False


def not_modified(entry: CacheEntry) -> CacheEntry:
    """The 304 a viewer's matching If-None-Match gets instead of ``entry`` (no body)."""
    headers = tuple((k, v) for k, v in entry.headers
                    if k.lower() not in ("content-type", "content-encoding", "content-language"))
    return replace(entry, status=304, headers=headers, body=b"",
                   head=head_block(304, headers), length_line=b"")
