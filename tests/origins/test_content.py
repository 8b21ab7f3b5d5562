"""Content is a pure function of the path: sizes, bodies, validators, conditional GETs."""

from __future__ import annotations

import pytest

from origins.content import (
    DEFAULT_SIZE,
    LAST_MODIFIED_EPOCH,
    MAX_SIZE,
    ContentError,
    http_date,
    make_object,
    not_modified,
    size_for,
)


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("a-4096", 4096),
        ("a-4096.txt", 4096),
        ("dir/b-10", 10),
        ("a", DEFAULT_SIZE),
        ("a-b", DEFAULT_SIZE),
        ("a-0", 0),
        ("a-4096/x", DEFAULT_SIZE),  # only the last segment counts
    ],
)
def test_size_from_name(name: str, size: int) -> None:
    assert size_for(name) == size
    assert make_object(f"/static/{name}", name).size == size


def test_too_large_is_refused() -> None:
    with pytest.raises(ContentError, match="too large"):
        size_for(f"a-{MAX_SIZE + 1}")


def test_same_path_same_object_different_path_different_etag() -> None:
    one, again = make_object("/static/a-100", "a-100"), make_object("/static/a-100", "a-100")
    other = make_object("/static/b-100", "b-100")
    assert one == again
    assert one.etag != other.etag and one.body != other.body
    assert one.etag.startswith('"') and one.etag.endswith('"')
    assert one.last_modified == "Thu, 01 Jan 2026 00:00:00 GMT"


ETAG = '"abc-10"'
LM = http_date(LAST_MODIFIED_EPOCH)


@pytest.mark.parametrize(
    ("inm", "ims", "expected"),
    [
        (None, None, False),
        (ETAG, None, True),
        ('W/"abc-10"', None, True),  # weak comparison: a compressing cache weakens our ETag
        ('"x", "abc-10"', None, True),
        ("*", None, True),
        ('"other"', None, False),
        ('"other"', LM, False),  # If-None-Match wins over If-Modified-Since
        (None, LM, True),
        (None, "Thu, 01 Jan 2026 00:00:01 GMT", True),
        (None, "Wed, 31 Dec 2025 23:59:59 GMT", False),
        (None, "not a date", False),
    ],
)
def test_not_modified(inm: str | None, ims: str | None, expected: bool) -> None:
    assert not_modified(inm, ims, ETAG, LAST_MODIFIED_EPOCH) is expected
