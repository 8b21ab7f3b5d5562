"""The origin's security flags: private-bucket mode, the secret header, the FLE private key."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from origins.security.access import AccessPolicy, load_credentials, parse_require_header
from origins.security.fle import DEFAULT_KEY_NAME, DEFAULT_PROVIDER_ID, FieldDecryptor, load_decryptor


@dataclass(frozen=True)
class SecurityConfig:
    """Who may read the origin, and how it opens encrypted form fields."""

    access: AccessPolicy = AccessPolicy()
    decryptor: FieldDecryptor | None = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("security")
    group.add_argument("--private-bucket", metavar="CREDENTIALS.json",
                       help="act as a private S3 bucket: only requests SigV4-signed with these "
                            "credentials for their SourceArn distribution get in, others get "
                            "403 AccessDenied (file from 'python -m origins keys')")
    group.add_argument("--require-header", action="append", default=[], metavar="NAME=VALUE",
                       help="refuse (403) requests without this header value; give it twice "
                            "with two values during a rotation")
    group.add_argument("--fle-private-key", metavar="PEM",
                       help="RSA-2048 private key: the form endpoint decrypts field-level-"
                            "encrypted fields with it")
    group.add_argument("--fle-provider", default=DEFAULT_PROVIDER_ID, metavar="ID",
                       help=f"the FLE profile's ProviderId (default {DEFAULT_PROVIDER_ID})")
    group.add_argument("--fle-key-name", default=DEFAULT_KEY_NAME, metavar="NAME",
                       help=f"the FLE public key's Name (default {DEFAULT_KEY_NAME})")


def from_args(args: argparse.Namespace) -> SecurityConfig:
    """Load the files the flags name; raises UsageError with one line."""
    creds = load_credentials(args.private_bucket, "--private-bucket") if args.private_bucket else None
    access = AccessPolicy(private_bucket=creds, required_header=parse_require_header(args.require_header))
    decryptor = (load_decryptor(args.fle_private_key, args.fle_provider, args.fle_key_name)
                 if args.fle_private_key else None)
    return SecurityConfig(access, decryptor)
