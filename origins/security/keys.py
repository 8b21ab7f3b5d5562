"""``python -m origins keys --out DIR``: the secrets of a local security run, made fresh.

Writes into DIR (created, mode 0700; ``keys/`` is git-ignored and nothing here is ever
committed):

| file | what | used by |
| --- | --- | --- |
| ``fle-private-key.pem`` | RSA-2048 private key (PKCS#8, mode 0600) | origins: ``--fle-private-key`` |
| ``fle-public-key.pem`` | its public key | anyone who wants to look |
| ``fle-public-key.json`` | the public key in the shape ``aws cloudfront get-public-key`` prints | edge: ``--fle`` |
| ``oac-credentials.json`` | random SigV4 credentials and the distribution ARN (mode 0600) | edge ``--oac-credentials``, origins ``--private-bucket`` |

The public key's ``Id`` and ``Name`` are fixed (:data:`PUBLIC_KEY_ID`, :data:`PUBLIC_KEY_NAME`)
so that the committed field-level-encryption profiles can name it.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from contracts.cli import OneLineParser, run_main
from origins.errors import UsageError

PUBLIC_KEY_ID = "K1HARNESSFLEKEY"
PUBLIC_KEY_NAME = "harness-fle-key"
DEFAULT_SOURCE_ARN = "arn:aws:cloudfront::000000000000:distribution/EHARNESSLOCAL"
DEFAULT_REGION = "us-east-1"
_KEY_ALPHABET = string.ascii_uppercase + string.digits


def new_credentials(source_arn: str = DEFAULT_SOURCE_ARN, region: str = DEFAULT_REGION) -> dict[str, str]:
    """Random AWS-shaped SigV4 credentials for one local run."""
    return {
        "AccessKeyId": "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
        "SecretAccessKey": secrets.token_urlsafe(30)[:40],
        "Region": region,
        "SourceArn": source_arn,
    }


def new_rsa_key_pair() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) of a fresh RSA-2048 key: the only size FLE accepts."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def public_key_document(public_pem: bytes, key_id: str = PUBLIC_KEY_ID,
                        name: str = PUBLIC_KEY_NAME) -> dict[str, object]:
    """The public key as ``aws cloudfront get-public-key`` prints it."""
    return {
        "ETag": "E" + key_id[1:],
        "PublicKey": {
            "Id": key_id,
            "CreatedTime": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "PublicKeyConfig": {
                "CallerReference": f"harness-{key_id.lower()}",
                "Name": name,
                "EncodedKey": public_pem.decode("ascii"),
                "Comment": "generated for a local run; the private key never leaves this folder",
            },
        },
    }


def write_keys(out: Path, source_arn: str = DEFAULT_SOURCE_ARN, region: str = DEFAULT_REGION) -> list[Path]:
    """Write a fresh key pair and credentials into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    private, public = new_rsa_key_pair()
    written = [
        _write(out / "fle-private-key.pem", private, 0o600),
        _write(out / "fle-public-key.pem", public, 0o644),
        _write(out / "fle-public-key.json",
               (json.dumps(public_key_document(public), indent=2) + "\n").encode(), 0o644),
        _write(out / "oac-credentials.json",
               (json.dumps(new_credentials(source_arn, region), indent=2) + "\n").encode(), 0o600),
    ]
    return written


def _write(path: Path, data: bytes, mode: int) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    return path


def main(argv: Sequence[str]) -> int:
    """Entry point of ``python -m origins keys``."""
    return run_main("origins keys", lambda: _main(argv))


def _main(argv: Sequence[str]) -> int:
    parser = OneLineParser(error_type=UsageError, prog="python -m origins keys",
                     description="Generate an RSA-2048 key pair for field-level encryption and "
                                 "SigV4 credentials for origin access control.")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write (git-ignored keys/)")
    parser.add_argument("--source-arn", default=DEFAULT_SOURCE_ARN, metavar="ARN",
                        help=f"the distribution ARN the credentials speak for (default {DEFAULT_SOURCE_ARN})")
    parser.add_argument("--region", default=DEFAULT_REGION, help=f"SigV4 region (default {DEFAULT_REGION})")
    try:
        args = parser.parse_args(list(argv))
        if not args.source_arn.startswith("arn:aws:cloudfront::"):
            raise UsageError(f"--source-arn: expected arn:aws:cloudfront::ACCOUNT:distribution/ID, "
                             f"got {args.source_arn!r}")
        files = write_keys(Path(args.out), args.source_arn, args.region)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: {exc.strerror or exc}") from None
    for path in files:
        print(path)
    return 0
