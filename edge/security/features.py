"""The edge's security features in one object the shell calls: OAC signing, custom-header
rotation and field-level encryption.

Command line (added to ``python -m edge``)::

    --oac FILE               an OriginAccessControl JSON (get-origin-access-control), repeatable
    --oac-credentials FILE   SigV4 credentials + SourceArn for signed origins (never committed)
    --fle FILE               a FieldLevelEncryption, FieldLevelEncryptionProfile or PublicKey
                             JSON (the AWS CLI's shapes), repeatable

Admin API (with ``--admin``): ``PUT /origins/<id>/custom-headers`` with
``{"headers": {"X-Origin-Verify": "new-value"}}`` changes the values of that origin's
``CustomHeaders`` (names must exist in the config), as a distribution update would: the
new value goes out on every later origin request. ``GET /origins/<id>/custom-headers``
lists the names.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from edge.config.model import CacheBehavior, Distribution
from edge.core.outcome import Outcome, generated
from edge.core.viewer_http import ViewerRequest
from edge.errors import UsageError
from edge.security.fle import FLE_METHODS, decide, fields_to_encrypt, rewrite_body
from edge.security.fle_config import FleSetup, load_fle
from edge.security.oac import OriginSigner, load_credentials, load_oac, signing_plan


@dataclass(frozen=True)
class SecurityOptions:
    oac: tuple[str, ...] = ()
    oac_credentials: str | None = None
    fle: tuple[str, ...] = ()


@dataclass(frozen=True)
class FleResult:
    """What field-level encryption did to one request (the two log fields and the body)."""

    status: str
    encrypted_fields: int = 0
    body: bytes | None = None
    reject: bool = False


def fle_status(status: int, fle: FleResult | None) -> str | None:
    """The ``fle-status`` log word: the decision's, or ``ServerError`` when the origin failed
    after the body was encrypted (CloudFront's word for an origin error)."""
    if fle is None:
        return None
    if fle.status == "Processed" and (status == 0 or status >= 500):
        return "ServerError"
    return fle.status


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--oac", action="append", default=[], metavar="FILE",
                        help="OriginAccessControl JSON for origins with OriginAccessControlId")
    parser.add_argument("--oac-credentials", metavar="FILE",
                        help="SigV4 credentials and SourceArn used to sign origin requests "
                             "(python -m origins keys --out keys)")
    parser.add_argument("--fle", action="append", default=[], metavar="FILE",
                        help="field-level encryption config, profile or public key JSON")


def options_from(ns: argparse.Namespace) -> SecurityOptions:
    return SecurityOptions(tuple(ns.oac), ns.oac_credentials, tuple(ns.fle))


class EdgeSecurity:
    """Loaded and cross-checked against the distribution; EdgeError (one line) otherwise."""

    def __init__(self, distribution: Distribution, config_path: str, options: SecurityOptions) -> None:
        oacs = {oac.id: oac for oac in map(load_oac, options.oac)}
        creds = load_credentials(options.oac_credentials) if options.oac_credentials else None
        self.signer = OriginSigner(signing_plan(distribution, config_path, oacs), creds)
        self.fle: FleSetup = load_fle(list(options.fle))
        behaviors = (distribution.default_behavior, *distribution.behaviors)
        for behavior in behaviors:
            fle_id = behavior.field_level_encryption_id
            if fle_id and fle_id not in self.fle.configs:
                raise UsageError(f"{config_path}: behaviour {behavior.path_pattern!r} uses "
                                 f"FieldLevelEncryptionId {fle_id!r}: give its JSON (and its "
                                 "profiles and public keys) with --fle FILE")
        self._encryptor: Any = None
        if any(b.field_level_encryption_id for b in behaviors):
            from edge.security.fle_crypto import FieldEncryptor

            self._encryptor = FieldEncryptor(self.fle.keys)
        self._origins = distribution.origins
        self.header_overrides: dict[str, dict[str, str]] = {}

    def origin_headers(self, origin_id: str, method: str, url: str, headers: dict[str, str],
                       body: bytes | None) -> dict[str, str]:
        """The final origin request headers: rotated custom-header values, then the signature."""
        overrides = self.header_overrides.get(origin_id)
        if overrides:
            headers = {**headers, **overrides}
        return self.signer.apply(origin_id, method, url, headers, body)

    def rotate_headers(self, origin_id: str, values: dict[str, str]) -> list[str]:
        """Change custom-header values of ``origin_id``; ValueError naming what is wrong."""
        origin = self._origins.get(origin_id)
        if origin is None:
            raise LookupError(f"no origin {origin_id!r} (known: {', '.join(self._origins)})")
        names = {name.lower() for name, _ in origin.custom_headers}
        for name, value in values.items():
            if name.lower() not in names:
                raise ValueError(f"headers.{name}: not a CustomHeaders name of {origin_id} "
                                 f"(known: {', '.join(sorted(names)) or 'none'})")
            if not isinstance(value, str) or not value or len(value) > 1783:
                raise ValueError(f"headers.{name}: expected a string of 1..1783 characters")
        merged = {**self.header_overrides.get(origin_id, {}),
                  **{k.lower(): v for k, v in values.items()}}
        self.header_overrides[origin_id] = merged
        return sorted(names)

    def applies(self, behavior: CacheBehavior, method: str) -> bool:
        """Whether field-level encryption handles this request (POST/PUT on an FLE behaviour)."""
        return bool(behavior.field_level_encryption_id) and method in FLE_METHODS

    async def with_fle(self, behavior: CacheBehavior, request: ViewerRequest, request_id: str,
                       miss: Callable[[], Awaitable[Outcome]]) -> Outcome:
        """Encrypt the request's fields, then ``miss()`` (the origin fetch); or answer 400.

        The outcome carries the log's ``fle-status`` and ``fle-encrypted-fields``.
        """
        fle = await self.encrypt_fields(behavior, request.headers.get("Content-Type"),
                                        request.query, request.body)
        if fle.reject:  # CloudFront answers every FLE rejection with 400
            outcome = generated(400, "Error", request_id)
        else:
            request.body = fle.body if fle.body is not None else request.body
            outcome = await miss()
        outcome.fle_status = fle_status(outcome.status, fle)
        outcome.fle_encrypted_fields = fle.encrypted_fields or None
        return outcome

    async def encrypt_fields(self, behavior: CacheBehavior, content_type: str | None, query: str,
                             body: bytes) -> FleResult:
        """Rules 1-6 of :mod:`edge.security.fle` for one body (the behaviour has an FLE config)."""
        decision = decide(self.fle.configs[behavior.field_level_encryption_id], self.fle.profiles,
                          content_type, query, len(body))
        if decision.reject:
            return FleResult(decision.status, reject=True)
        if decision.profile is None:
            return FleResult(decision.status, body=body)
        found = fields_to_encrypt(decision.profile, body)
        if isinstance(found, str):
            return FleResult(found, reject=True)
        if not found:
            return FleResult(decision.status, body=body)
        loop = asyncio.get_running_loop()
        # ~2-4 ms of CPU a field: off the event loop, so hits keep flowing meanwhile.
        new_body = await loop.run_in_executor(None, rewrite_body, body, found, self._encryptor.encrypt)
        return FleResult(decision.status, len(found), new_body)
