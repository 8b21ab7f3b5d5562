"""AWS Signature Version 4 the way Amazon S3 computes it (stdlib only).

One definition for both sides of origin access control: the edge signs with it
(edge/security/oac.py) and the fake private bucket verifies with it
(origins/security/access.py). ``tests/contracts/test_sigv4.py`` proves it against AWS's own
published examples ("Signature Calculations for the Authorization Header", Amazon S3 API
Reference). S3 differs from the generic SigV4 of other services, and that is what this
module is about:

- the canonical URI is the object key URI-encoded **once** (RFC 3986 unreserved characters
  kept, ``/`` kept), and **never normalised**: ``a//b``, ``./`` and ``../`` stay as sent
  (botocore's generic ``SigV4Auth`` encodes twice and normalises: real S3 answers 403 for a
  key with a space, ``+``, non-ASCII or ``//`` signed that way);
- query parameters are sorted by name, then value, each URI-encoded (``/`` too), ``name=``
  for a parameter without a value;
- header values are trimmed and inner runs of spaces folded; names lower-cased and sorted;
- the payload hash is the ``x-amz-content-sha256`` header (``UNSIGNED-PAYLOAD`` allowed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
_SPACES = re.compile(r"\s+")


def uri_encode(text: str, keep_slash: bool) -> str:
    """RFC 3986 percent-encoding of UTF-8, unreserved characters (``A-Za-z0-9-_.~``) kept."""
    return quote(text, safe="/~" if keep_slash else "~")


def canonical_uri(raw_path: str) -> str:
    """The path as S3 signs it: what it means (percent-decoded), encoded once, not normalised."""
    return uri_encode(unquote(raw_path or "/"), keep_slash=True)


def canonical_query(raw_query: str) -> str:
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((uri_encode(unquote(name), False), uri_encode(unquote(value), False)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def canonical_headers(headers: list[tuple[str, str]]) -> tuple[str, str]:
    """(canonical header block, signed header list) from (name, value) pairs."""
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.strip().lower(), []).append(_SPACES.sub(" ", value.strip()))
    names = sorted(merged)
    block = "".join(f"{name}:{','.join(merged[name])}\n" for name in names)
    return block, ";".join(names)


def canonical_request(method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]],
                      payload_hash: str) -> tuple[str, str]:
    """(the canonical request, its signed header list)."""
    block, signed = canonical_headers(headers)
    text = "\n".join((method.upper(), canonical_uri(raw_path), canonical_query(raw_query), block, signed,
                      payload_hash))
    return text, signed


def scope(amz_date: str, region: str, service: str = "s3") -> str:
    return f"{amz_date[:8]}/{region}/{service}/aws4_request"


def string_to_sign(amz_date: str, region: str, canonical: str) -> str:
    return "\n".join((ALGORITHM, amz_date, scope(amz_date, region),
                      hashlib.sha256(canonical.encode("utf-8")).hexdigest()))


def signing_key(secret: str, day: str, region: str, service: str = "s3") -> bytes:
    key = f"AWS4{secret}".encode("utf-8")
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(secret: str, region: str, amz_date: str, method: str, raw_path: str, raw_query: str,
              headers: list[tuple[str, str]], payload_hash: str) -> tuple[str, str]:
    """(hex signature, signed header list) of a request: ``headers`` are exactly the ones signed."""
    canonical, signed = canonical_request(method, raw_path, raw_query, headers, payload_hash)
    key = signing_key(secret, amz_date[:8], region)
    digest = hmac.new(key, string_to_sign(amz_date, region, canonical).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest(), signed


def authorization(access_key: str, secret: str, region: str, amz_date: str, method: str, raw_path: str,
                  raw_query: str, headers: list[tuple[str, str]], payload_hash: str) -> str:
    """The ``Authorization`` header value."""
    sig, signed = signature(secret, region, amz_date, method, raw_path, raw_query, headers, payload_hash)
    return f"{ALGORITHM} Credential={access_key}/{scope(amz_date, region)}, SignedHeaders={signed}, Signature={sig}"
