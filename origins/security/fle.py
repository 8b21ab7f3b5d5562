"""Field-level encryption at the origin: decrypt what the edge encrypted, and say so.

The form endpoint (``POST /form/<name>``) answers, per field, what it received and what it
could do with it::

    {"card_number": {"value": "AYADe...", "encrypted": true, "decrypted": true,
                     "plaintext_sha256": "9f86d0...", "error": null}}

``value`` is exactly what arrived (ciphertext or plaintext). A field that is the base64 of
an AWS Encryption SDK message also gets ``encrypted: true``, ``decrypted`` (whether the
origin's private key opened it) and ``plaintext_sha256``/``error``; a plaintext field is
just ``{"value": ...}``, so ``fields[name].get("encrypted", False)`` tells them apart. The plaintext itself is never echoed: its SHA-256 lets a caller that knows
what it sent check the round trip without the plaintext travelling back.

Decryption follows CloudFront's documentation: a raw RSA master key with provider id = the
profile's ``ProviderId``, key id = the public key's name, ``RSA_OAEP_SHA256_MGF1``, and a
client with ``REQUIRE_ENCRYPT_ALLOW_DECRYPT`` (CloudFront's messages may use a
non-committing algorithm suite). AWS's own sample re-pads the base64 before decoding, and
so do we.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from origins.errors import UsageError

DEFAULT_PROVIDER_ID = "harness-checkout"
DEFAULT_KEY_NAME = "harness-fle-key"
# Versions 1 and 2 of the ESDK message format start with these bytes.
_MESSAGE_VERSIONS = (0x01, 0x02)


def b64decode_padded(value: str) -> bytes:
    """Standard base64, tolerant of missing ``=`` padding; ValueError when it is not base64."""
    text = value.strip()
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64: {exc}") from None


def looks_encrypted(value: str) -> bool:
    """True when ``value`` is the base64 of something shaped like an ESDK message."""
    if len(value) < 64:
        return False
    try:
        raw = b64decode_padded(value)
    except ValueError:
        return False
    return len(raw) > 40 and raw[0] in _MESSAGE_VERSIONS


@dataclass
class FieldDecryptor:
    """Opens ESDK messages with the private key of the FLE key pair."""

    private_pem: bytes = field(repr=False)
    provider_id: str = DEFAULT_PROVIDER_ID
    key_name: str = DEFAULT_KEY_NAME
    _client: Any = field(default=None, repr=False)
    _key: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        import aws_encryption_sdk
        from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
        from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
        from aws_encryption_sdk.key_providers.raw import RawMasterKey

        self._client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
        self._key = RawMasterKey(
            provider_id=self.provider_id, key_id=self.key_name.encode(),
            wrapping_key=WrappingKey(wrapping_algorithm=WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
                                     wrapping_key=self.private_pem,
                                     wrapping_key_type=EncryptionKeyType.PRIVATE))

    def decrypt(self, value: str) -> bytes:
        """The plaintext of one field value (base64 ESDK message); raises on any failure."""
        plaintext, _header = self._client.decrypt(source=b64decode_padded(value), key_provider=self._key)
        return bytes(plaintext)


def load_decryptor(path: str, provider_id: str, key_name: str) -> FieldDecryptor:
    """A decryptor from a PEM file; UsageError naming the flag when it cannot be used."""
    try:
        pem = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--fle-private-key {path}: cannot read: {exc.strerror or exc}") from None
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--fle-private-key {path}: not an unencrypted PEM private key ({exc})") from None
    if getattr(key, "key_size", None) != 2048:
        raise UsageError(f"--fle-private-key {path}: field-level encryption uses RSA-2048 keys only")
    return FieldDecryptor(pem, provider_id, key_name)


def describe_field(value: str, decryptor: FieldDecryptor | None) -> dict[str, Any]:
    """What the form endpoint says about one received field."""
    if not looks_encrypted(value):
        return {"value": value}  # plaintext: the endpoint's plain echo, unchanged
    info: dict[str, Any] = {"value": value, "encrypted": True, "decrypted": False,
                            "plaintext_sha256": None, "error": None}
    if decryptor is None:
        info["error"] = "this origin has no --fle-private-key"
        return info
    try:
        plaintext = decryptor.decrypt(value)
    except Exception as exc:  # the SDK raises many types; any of them means "did not open"
        info["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return info
    info["decrypted"] = True
    info["plaintext_sha256"] = hashlib.sha256(plaintext).hexdigest()
    return info


def describe_fields(items: Iterable[tuple[str, str]], decryptor: FieldDecryptor | None) -> dict[str, Any]:
    """``{name: describe_field(...)}`` for every form field (the first of repeated names)."""
    out: dict[str, Any] = {}
    for name, value in items:
        if name not in out:
            out[name] = describe_field(value, decryptor)
    return out
