"""Origin access control: the edge signs origin requests with SigV4, as CloudFront's OAC does.

Which origins are signed, and how:

| origin in the DistributionConfig | OAC ``SigningBehavior`` | origin request |
| --- | --- | --- |
| ``OriginAccessControlId`` = an OAC given with ``--oac FILE`` | ``always`` | signed; a viewer ``Authorization`` is overwritten |
| | ``no-override`` | signed unless the viewer's ``Authorization`` is forwarded (then passed through) |
| | ``never`` | not signed (OAC off for that origin) |
| ``S3OriginConfig.OriginAccessIdentity`` non-empty (legacy OAI) | - | signed as ``always`` (the emulator's stand-in for OAI's SigV2) |
| neither | - | not signed |

Signing is SigV4 as S3 computes it (contracts/sigv4.py, proved against AWS's published
examples: the key encoded once, never normalised), service ``s3``, the region of the
credentials (default ``us-east-1``), over ``host``, ``x-amz-date``, ``x-amz-content-sha256``
(SHA-256 of the body), every other ``x-amz-*`` header forwarded, and ``x-amz-source-arn``: the distribution's ARN, sent as a signed header so a private-bucket
origin can check the ``AWS:SourceArn`` condition (the emulator's model of CloudFront's
service context). Credentials come from ``--oac-credentials FILE``
(``{"AccessKeyId", "SecretAccessKey", "Region"?, "SourceArn"}``, as ``python -m origins keys``
writes it); they are never part of the repository.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from contracts import sigv4
from contracts.documents import load_json
from edge.config.jsonpath import Node
from edge.config.model import Distribution
from edge.errors import ConfigError, UsageError

SIGNING_BEHAVIORS = ("always", "never", "no-override")
ORIGIN_TYPES = ("s3", "mediastore", "mediapackagev2", "lambda")
SIGNED_HEADERS = ("host", "x-amz-content-sha256", "x-amz-source-arn")
AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class OriginAccessControl:
    """One ``OriginAccessControl`` as ``aws cloudfront get-origin-access-control`` prints it."""

    id: str
    name: str
    signing_behavior: str
    origin_type: str = "s3"


@dataclass(frozen=True)
class SigningCredentials:
    """The distribution's SigV4 identity."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = "us-east-1"
    source_arn: str = ""


def load_oac(path: str) -> OriginAccessControl:
    """Read one OAC JSON file (with or without the ``ETag`` envelope)."""
    raw = _read_json(path, "--oac")
    if isinstance(raw, dict) and "OriginAccessControl" in raw:
        raw = raw["OriginAccessControl"]
    node = Node(path, "OriginAccessControl", raw).obj()
    config = node.get("OriginAccessControlConfig").obj()
    behavior = config.get("SigningBehavior").str()
    if behavior not in SIGNING_BEHAVIORS:
        raise config.get("SigningBehavior").error(
            f"{behavior!r} is not allowed (allowed: {', '.join(SIGNING_BEHAVIORS)})")
    protocol = config.get("SigningProtocol", "sigv4").str()
    if protocol != "sigv4":
        raise config.get("SigningProtocol").error(f"{protocol!r} is not emulated (allowed: sigv4)")
    origin_type = config.get("OriginAccessControlOriginType", "s3").str()
    if origin_type not in ORIGIN_TYPES:
        raise config.get("OriginAccessControlOriginType").error(
            f"{origin_type!r} is not allowed (allowed: {', '.join(ORIGIN_TYPES)})")
    name = config.get("Name").str()
    if not 1 <= len(name) <= 64:
        raise config.get("Name").error("must be 1..64 characters")
    return OriginAccessControl(node.get("Id").str(), name, behavior, origin_type)


def load_credentials(path: str) -> SigningCredentials:
    """Read ``--oac-credentials``; ConfigError naming the file and the field."""
    node = Node(path, "credentials", _read_json(path, "--oac-credentials")).obj()
    values = {}
    for key in ("AccessKeyId", "SecretAccessKey", "SourceArn"):
        values[key] = node.get(key).str()
        if not values[key]:
            raise node.get(key).error("must not be empty")
    if not values["SourceArn"].startswith("arn:aws:cloudfront::"):
        raise node.get("SourceArn").error("expected arn:aws:cloudfront::ACCOUNT:distribution/ID")
    return SigningCredentials(values["AccessKeyId"], values["SecretAccessKey"],
                              node.get("Region", "us-east-1").str() or "us-east-1", values["SourceArn"])


def legacy_oai_origins(config_path: str) -> set[str]:
    """Origin Ids whose ``S3OriginConfig.OriginAccessIdentity`` is set (legacy OAI).

    Read from the raw file: the typed model has no use for the field beyond this.
    """
    raw = _read_json(config_path, "--config")
    dist = raw.get("DistributionConfig", raw) if isinstance(raw, dict) else {}
    items = (dist.get("Origins") or {}).get("Items") or [] if isinstance(dist, dict) else []
    found = set()
    for item in items:
        s3 = item.get("S3OriginConfig") if isinstance(item, dict) else None
        if isinstance(s3, dict) and s3.get("OriginAccessIdentity"):
            found.add(str(item.get("Id")))
    return found


def signing_plan(distribution: Distribution, config_path: str,
                 oacs: dict[str, OriginAccessControl]) -> dict[str, str]:
    """``{origin_id: "always" | "no-override"}`` for every origin the edge must sign for."""
    plan: dict[str, str] = {}
    for origin in distribution.origins.values():
        oac_id = origin.origin_access_control_id
        if oac_id:
            oac = oacs.get(oac_id)
            if oac is None:
                known = ", ".join(sorted(oacs)) or "none given"
                raise UsageError(f"{config_path}: origin {origin.id!r} uses OriginAccessControlId "
                                 f"{oac_id!r}: give its JSON with --oac FILE (loaded: {known})")
            if oac.signing_behavior != "never":
                plan[origin.id] = oac.signing_behavior
    for origin_id in legacy_oai_origins(config_path):
        plan.setdefault(origin_id, "always")
    return plan


def sign_headers(creds: SigningCredentials, method: str, url: str, host: str,
                 body: bytes | None, now: float | None = None,
                 forwarded: dict[str, str] | None = None) -> dict[str, str]:
    """The headers that make this request SigV4-signed as S3 checks it (lower-case names).

    ``url`` is the exact URL the request goes to; ``host`` the Host header it carries;
    ``forwarded`` the other headers it carries: every ``x-amz-*`` among them is signed too,
    as S3 refuses a request with an unsigned one (contracts/sigv4.py).
    """
    payload_hash = hashlib.sha256(body or b"").hexdigest()
    parts = urlsplit(url)
    stamp = time.strftime(AMZ_DATE, time.gmtime(time.time() if now is None else now))
    own = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": stamp,
           "x-amz-source-arn": creds.source_arn}
    extra = {k.lower(): v for k, v in (forwarded or {}).items()
             if k.lower().startswith("x-amz-") and k.lower() not in own}
    authorization = sigv4.authorization(creds.access_key_id, creds.secret_access_key, creds.region, stamp,
                                        method, parts.path, parts.query, [*own.items(), *extra.items()],
                                        payload_hash)
    return {"authorization": authorization, "x-amz-date": stamp, "x-amz-content-sha256": payload_hash,
            "x-amz-source-arn": creds.source_arn}


class OriginSigner:
    """Signs origin requests for the origins in ``plan`` (see :func:`signing_plan`)."""

    def __init__(self, plan: dict[str, str], creds: SigningCredentials | None) -> None:
        if plan and creds is None:
            raise UsageError(f"origins {', '.join(sorted(plan))} are signed (OAC/OAI): give "
                             "--oac-credentials FILE (make one with 'python -m origins keys --out keys')")
        self.plan = plan
        self.creds = creds

    def apply(self, origin_id: str, method: str, url: str, headers: dict[str, str],
              body: bytes | None) -> dict[str, str]:
        """``headers`` (lower-case names) with the signature added, when this origin is signed."""
        behavior = self.plan.get(origin_id)
        if behavior is None or self.creds is None:
            return headers
        if behavior == "no-override" and "authorization" in headers:
            return headers  # the viewer's own Authorization goes through untouched
        signed = {k: v for k, v in headers.items() if k != "authorization"}
        signed.update(sign_headers(self.creds, method, url, headers.get("host", ""), body, forwarded=signed))
        return signed


def _read_json(path: str, flag: str) -> Any:
    return load_json(path, f"{flag} {path}", ConfigError)
