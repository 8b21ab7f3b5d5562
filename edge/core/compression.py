"""CloudFront's automatic compression (Developer Guide, "Serving compressed files"), no IO.

An origin answer is compressed at the edge when the behaviour has ``Compress: true``, the
viewer speaks HTTP/1.1 and accepts an encoding the cache policy enables (Brotli is preferred
over gzip; EnableAcceptEncodingBrotli / EnableAcceptEncodingGzip, which also put the
normalised Accept-Encoding in the key), and the object qualifies: status 200, 1,000 to
10,000,000 bytes, no ``Content-Encoding`` yet, a compressible ``Content-Type``. The
compressed copy is cached under its own key; a strong ``ETag`` becomes weak, an invalid one
is removed.
"""

from __future__ import annotations

import gzip

import brotli

from edge.config.policies import CachePolicy
from edge.core.outcome import Outcome, header_size

MIN_BYTES, MAX_BYTES = 1000, 10_000_000
COMPRESSIBLE = frozenset({
    "application/dash+xml", "application/javascript", "application/json",
    "application/ld+json", "application/manifest+json", "application/rss+xml",
    "application/vnd.apple.mpegurl", "application/wasm", "application/x-javascript",
    "application/xhtml+xml", "application/xml", "image/svg+xml", "image/x-icon",
    "text/css", "text/csv", "text/html", "text/javascript", "text/plain", "text/xml",
    "font/otf", "font/ttf", "application/vnd.ms-fontobject",
})


def _accepted(accept_encoding: str | None) -> set[str]:
    out = set()
    for token in (accept_encoding or "").split(","):
        name, _, params = token.strip().partition(";")
        if params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            out.add(name.strip().lower())
    return out


def encoding_for(outcome: Outcome, policy: CachePolicy, compress: bool,
                 accept_encoding: str | None, http_version: str) -> str | None:
    """``br`` or ``gzip`` when CloudFront compresses this answer for this viewer, else None."""
    if not compress or http_version != "HTTP/1.1":
        return None
    if outcome.status != 200 or not MIN_BYTES <= len(outcome.body) <= MAX_BYTES:
        return None
    content_type = (outcome.content_type or "").partition(";")[0].strip().lower()
    if content_type not in COMPRESSIBLE:
        return None
    if any(k.lower() == "content-encoding" for k, _ in outcome.headers):
        return None
    accepted = _accepted(accept_encoding)
    if policy.accept_encoding_brotli and "br" in accepted:
        return "br"
    if policy.accept_encoding_gzip and "gzip" in accepted:
        return "gzip"
    return None


def _etag(value: str) -> str | None:
    if value.startswith("W/"):
        return value
    if value.startswith('"'):
        return "W/" + value
    return None  # not a valid entity tag: CloudFront removes it


def compressed(outcome: Outcome, encoding: str) -> Outcome:
    """``outcome`` with an encoded body and the headers CloudFront changes."""
    headers: list[tuple[str, str]] = []
    for name, value in outcome.headers:
        low = name.lower()
        if low == "etag":
            weak = _etag(value)
            if weak is not None:
                headers.append((name, weak))
        elif low != "vary":
            headers.append((name, value))
    headers += [("Content-Encoding", encoding), ("Vary", "Accept-Encoding")]
    if encoding == "br":
        body = brotli.compress(outcome.body, quality=4)
    else:
        body = gzip.compress(outcome.body, compresslevel=6, mtime=0)
    final = tuple(headers)
    return Outcome(outcome.status, final, body, outcome.result_type, outcome.detailed,
                   outcome.origin_id, fetch=outcome.fetch, header_bytes=header_size(final),
                   content_type=outcome.content_type)
