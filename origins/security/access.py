"""Who may read this origin: a private S3 bucket behind OAC, or the secret-header pattern.

**Private bucket** (``--private-bucket CREDENTIALS.json``) models a bucket whose policy allows
only the CloudFront service principal, on the condition ``AWS:SourceArn`` = one distribution.
A request is let through only when all of these hold, checked in this order:

1. ``Authorization`` is ``AWS4-HMAC-SHA256`` with the configured access key, service ``s3``
   and the configured region, and a scope date equal to ``X-Amz-Date``'s day;
2. ``SignedHeaders`` covers ``host``, ``x-amz-date``, ``x-amz-content-sha256`` and
   ``x-amz-source-arn`` (so none of them can be changed without breaking the signature), and
   every other ``x-amz-*`` header the request carries (S3 refuses unsigned ones);
3. ``X-Amz-Date`` is within 15 minutes of the origin's clock (S3's window);
4. the signature, recomputed as S3 computes it (contracts/sigv4.py: the key encoded once,
   never normalised) over the request as received, matches (a tampered path, query, header
   or key fails here);
5. ``X-Amz-Content-SHA256`` is the SHA-256 of the body actually received;
6. ``X-Amz-Source-Arn`` names the configured distribution. *Modelling choice*: real S3
   learns the calling distribution from CloudFront's service context; here the edge sends
   it as a signed header, so a valid signature from another distribution sharing the same
   credentials (the confused deputy) is refused, and the header cannot be forged.

Anything else gets 403 with S3's XML ``AccessDenied`` body; the ``Message`` says which
rule failed.

**Secret header** (``--require-header NAME=VALUE``, at most two values for rotation): a
request without ``NAME`` set to one of the accepted values gets 403. The accepted values can
be changed at run time on the control port (``PUT /access/require-header``).

Decisions are pure (:func:`check_private_bucket`, :func:`check_header`);
:mod:`origins.security.access_middleware` only gathers the request and writes the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from calendar import timegm
from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts import sigv4
from contracts.documents import load_json
from origins.errors import UsageError

MAX_SKEW_S = 15 * 60
REQUIRED_SIGNED = ("host", "x-amz-content-sha256", "x-amz-date", "x-amz-source-arn")
MAX_HEADER_VALUES = 2
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;\-]+),\s*Signature=([0-9a-f]{64})$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$")


@dataclass(frozen=True)
class OacCredentials:
    """SigV4 credentials of the distribution, and the distribution they speak for."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str
    source_arn: str


@dataclass(frozen=True)
class RequiredHeader:
    """The secret custom header an origin insists on, with its accepted values."""

    name: str
    values: tuple[str, ...]

    def __repr__(self) -> str:  # never print the secrets
        return f"RequiredHeader({self.name!r}, {len(self.values)} accepted values)"


@dataclass(frozen=True)
class Denial:
    """Why a request was refused: always a 403."""

    reason: str
    s3: bool  # answer with S3's XML body (private bucket) or plain text (custom origin)


def load_credentials(path: str, flag: str) -> OacCredentials:
    """Read a credentials JSON (as ``python -m origins keys`` writes it); UsageError on problems."""
    raw = load_json(path, f"{flag} {path}", UsageError)
    if not isinstance(raw, dict):
        raise UsageError(f"{flag} {path}: expected a JSON object")
    values = {}
    for key in ("AccessKeyId", "SecretAccessKey", "SourceArn"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise UsageError(f"{flag} {path}: {key}: expected a non-empty string")
        values[key] = value
    region = raw.get("Region", "us-east-1")
    if not isinstance(region, str) or not region:
        raise UsageError(f"{flag} {path}: Region: expected a non-empty string")
    return OacCredentials(values["AccessKeyId"], values["SecretAccessKey"], region, values["SourceArn"])


def parse_require_header(items: list[str]) -> RequiredHeader | None:
    """``NAME=VALUE`` (repeatable, same NAME, at most two values) -> :class:`RequiredHeader`."""
    if not items:
        return None
    name = ""
    values: list[str] = []
    for item in items:
        item_name, sep, value = item.partition("=")
        if not sep or not _HEADER_NAME.match(item_name) or not value:
            raise UsageError(f"--require-header: expected NAME=VALUE with a token NAME and a "
                             f"non-empty VALUE, got {item_name + sep!r}...")
        if name and item_name.lower() != name.lower():
            raise UsageError(f"--require-header: one header name only (got {name!r} and {item_name!r})")
        name = item_name
        values.append(value)
    if len(values) > MAX_HEADER_VALUES:
        raise UsageError(f"--require-header: at most {MAX_HEADER_VALUES} accepted values "
                         f"(the old and the new one during a rotation), got {len(values)}")
    return RequiredHeader(name, tuple(values))


def check_header(required: RequiredHeader, headers: Mapping[str, str]) -> Denial | None:
    """Refuse unless the secret header carries one of the accepted values."""
    given = headers.get(required.name.lower())
    if given is None:
        return Denial(f"missing {required.name} header", s3=False)
    if not any(hmac.compare_digest(given.encode(), v.encode()) for v in required.values):
        return Denial(f"wrong {required.name} header", s3=False)
    return None


def check_private_bucket(creds: OacCredentials, method: str, host: str, raw_uri: str,
                         headers: Mapping[str, str], body: bytes, now: float) -> Denial | None:
    """Apply rules 1-6 of the module docstring; ``headers`` has lower-case names."""
    auth = headers.get("authorization")
    if not auth:
        return Denial("Access Denied: anonymous request to a private bucket", s3=True)
    match = _AUTH.match(auth.strip())
    if match is None:
        return Denial("Access Denied: Authorization is not a SigV4 (AWS4-HMAC-SHA256) header", s3=True)
    key_id, scope_day, region, service, signed_text, signature = match.groups()
    if not hmac.compare_digest(key_id.encode(), creds.access_key_id.encode()):
        return Denial("Access Denied: unknown access key", s3=True)
    if service != "s3" or region != creds.region:
        return Denial(f"Access Denied: credential scope {region}/{service} is not {creds.region}/s3", s3=True)
    signed = signed_text.split(";")
    missing = [h for h in REQUIRED_SIGNED if h not in signed]
    if missing:
        return Denial(f"Access Denied: SignedHeaders lacks {', '.join(missing)}", s3=True)
    unsigned = sorted(h for h in headers if h.startswith("x-amz-") and h not in signed)
    if unsigned:
        return Denial("Access Denied: There were headers present in the request which were not "
                      f"signed: {', '.join(unsigned)}", s3=True)
    amz_date = headers.get("x-amz-date", "")
    stamp = _parse_amz_date(amz_date)
    if stamp is None or amz_date[:8] != scope_day:
        return Denial("Access Denied: X-Amz-Date is missing, malformed or not the scope's day", s3=True)
    if abs(now - stamp) > MAX_SKEW_S:
        return Denial("Access Denied: Request has expired (X-Amz-Date is more than 15 minutes "
                      "from the server's time)", s3=True)
    expected = sigv4_signature(creds, method, host, raw_uri,
                               [(h, headers.get(h, "")) for h in signed], amz_date)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return Denial("Access Denied: The request signature we calculated does not match the "
                      "signature you provided", s3=True)
    if headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
        return Denial("Access Denied: X-Amz-Content-SHA256 does not match the body", s3=True)
    if headers.get("x-amz-source-arn") != creds.source_arn:
        return Denial("Access Denied: the request was signed for another distribution "
                      f"({headers.get('x-amz-source-arn')}); AWS:SourceArn condition not met", s3=True)
    return None


def sigv4_signature(creds: OacCredentials, method: str, host: str, raw_uri: str,
                    signed_headers: list[tuple[str, str]], amz_date: str) -> str:
    """The signature S3 computes for this request at ``amz_date`` (contracts/sigv4.py)."""
    path, _, query = raw_uri.partition("?")
    headers = [(name, host if name == "host" else value) for name, value in signed_headers]
    payload = next((v for n, v in signed_headers if n == "x-amz-content-sha256"), "UNSIGNED-PAYLOAD")
    signature, _ = sigv4.signature(creds.secret_access_key, creds.region, amz_date, method, path, query,
                                   headers, payload)
    return signature


def _parse_amz_date(text: str) -> float | None:
    try:
        return float(timegm(time.strptime(text, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


@dataclass(frozen=True)
class AccessPolicy:
    """What this origin demands of every data-port request (nothing, by default)."""

    private_bucket: OacCredentials | None = None
    required_header: RequiredHeader | None = None

    @property
    def active(self) -> bool:
        return self.private_bucket is not None or self.required_header is not None
