"""FLE objects for tests, built the way the AWS CLI would print them."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

PROVIDER = "harness-checkout"
KEY_NAME = "harness-fle-key"


def sdk_decrypt(value: str, private_pem: bytes, provider: str = PROVIDER, key_name: str = KEY_NAME) -> bytes:
    """Open a field with the AWS Encryption SDK directly, as AWS's sample does (re-pad, then decode)."""
    key = RawMasterKey(provider_id=provider, key_id=key_name.encode(),
                       wrapping_key=WrappingKey(wrapping_algorithm=WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
                                                wrapping_key=private_pem,
                                                wrapping_key_type=EncryptionKeyType.PRIVATE))
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
    padded = value + "=" * (-len(value) % 4)
    plaintext, _ = client.decrypt(source=base64.b64decode(padded), key_provider=key)
    return bytes(plaintext)


def config_doc(*, forward_ct: bool = False, forward_qa: bool = False,
               content_types: list[tuple[str, str | None]] | None = None,
               query_args: list[tuple[str, str]] | None = None, config_id: str = "C1TEST") -> dict[str, Any]:
    cts = [("application/x-www-form-urlencoded", "P1TEST")] if content_types is None else content_types
    qas = [("strict", "P2TEST")] if query_args is None else query_args
    ct_items = [{"Format": "URLEncoded", "ContentType": ct, **({"ProfileId": p} if p else {})} for ct, p in cts]
    return {"ETag": "E1", "FieldLevelEncryption": {"Id": config_id, "FieldLevelEncryptionConfig": {
        "CallerReference": "test", "Comment": "",
        "QueryArgProfileConfig": {"ForwardWhenQueryArgProfileIsUnknown": forward_qa, "QueryArgProfiles": {
            "Quantity": len(qas), "Items": [{"QueryArg": q, "ProfileId": p} for q, p in qas]}},
        "ContentTypeProfileConfig": {"ForwardWhenContentTypeIsUnknown": forward_ct, "ContentTypeProfiles": {
            "Quantity": len(ct_items), "Items": ct_items}}}}}


def profile_doc(profile_id: str, patterns: list[str], key_id: str = "K1HARNESSFLEKEY",
                provider: str = PROVIDER) -> dict[str, Any]:
    return {"FieldLevelEncryptionProfile": {"Id": profile_id, "FieldLevelEncryptionProfileConfig": {
        "Name": profile_id.lower(), "CallerReference": profile_id, "EncryptionEntities": {
            "Quantity": 1, "Items": [{"PublicKeyId": key_id, "ProviderId": provider,
                                      "FieldPatterns": {"Quantity": len(patterns), "Items": patterns}}]}}}}


def write_docs(folder: Path, docs: dict[str, Any]) -> list[str]:
    paths = []
    for name, doc in docs.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    return paths
