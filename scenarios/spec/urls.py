"""Target URLs and hosts as scenario files and flags give them (no IO, nothing resolved)."""

from __future__ import annotations

from urllib.parse import urlsplit

from scenarios.errors import ScenarioInputError


def check_url(url: str, what: str) -> str:
    """An ``http(s)://HOST[:PORT]`` URL without a trailing slash; ScenarioInputError otherwise."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScenarioInputError(f"{what}: expected a URL like https://d111111abcdef8.cloudfront.net "
                                 f"or http://127.0.0.1:8080, got {url!r}")
    return url.rstrip("/")


def url_host(url: str) -> str:
    return urlsplit(url).hostname or ""
