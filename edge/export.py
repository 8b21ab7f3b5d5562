"""``python -m edge export-config``: one distribution file for the emulator and for CloudFront.

::

    python -m edge export-config --config distributions/default.json \\
        --origin-domain primary=primary.example.com:8080 \\
        --origin-domain secondary=secondary.example.com:8080 --out dist.json
    aws cloudfront create-distribution --distribution-config file://dist.json

The emulator's file (with or without the ``{"ETag", "DistributionConfig"}`` envelope) is
checked by the emulator's own validator, then turned into the bare ``DistributionConfig``
that ``create-distribution`` takes: the envelope and ETag stripped, every origin's
``DomainName`` (and, with ``:PORT``, the port its ``OriginProtocolPolicy`` uses) set to where
this project's origins really run, and a fresh ``CallerReference`` (CloudFront refuses to
create two distributions with the same one). The result is validated against botocore's
``CreateDistribution`` input shape before it is written.

The pure part is :func:`export_config`; :func:`main` reads and writes the files.
"""

from __future__ import annotations

import argparse
import copy
import ipaddress
import json
import re
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from contracts.cli import OneLineParser, run_main
from edge.config.loader import load_distribution
from edge.errors import UsageError

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
PORT_FIELD = {"http-only": "HTTPPort", "https-only": "HTTPSPort"}


def parse_origin_domain(text: str) -> tuple[str, str, int | None]:
    """``ID=HOST[:PORT]`` -> (origin Id, host, port or None); UsageError saying what is allowed."""
    origin_id, sep, address = text.partition("=")
    host, colon, port_text = address.rpartition(":") if ":" in address else (address, "", "")
    if not sep or not origin_id or not host:
        raise UsageError(f"--origin-domain {text!r}: expected ORIGIN_ID=HOST[:PORT], "
                         "e.g. primary=primary.example.com:8080")
    port = None
    if colon:
        if not port_text.isdigit() or not (int(port_text) in (80, 443) or 1024 <= int(port_text) <= 65535):
            raise UsageError(f"--origin-domain {origin_id}: port {port_text!r} is not allowed "
                             "(CloudFront origins use 80, 443 or 1024-65535)")
        port = int(port_text)
    check_public_domain(host, origin_id)
    return origin_id, host.lower().rstrip("."), port


def check_public_domain(host: str, origin_id: str) -> None:
    """CloudFront reaches origins by a public DNS name: no IP address, no local name."""
    name = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise UsageError(f"--origin-domain {origin_id}: {host} is an IP address; CloudFront needs the "
                         "origin's public DNS name")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise UsageError(f"--origin-domain {origin_id}: {host!r} is not a public DNS name "
                         "like origin.example.com")
    if labels[-1] in ("localhost", "local", "internal", "test", "invalid"):
        raise UsageError(f"--origin-domain {origin_id}: {host} is not reachable from CloudFront "
                         "(a local or reserved name)")


def fresh_caller_reference(config_path: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"harness-{Path(config_path).stem}-{stamp}-{secrets.token_hex(4)}"


def _set_port(origin: dict[str, Any], origin_id: str, port: int) -> None:
    custom = origin.get("CustomOriginConfig")
    if not isinstance(custom, dict):
        raise UsageError(f"--origin-domain {origin_id}: a port applies only to a custom origin "
                         "(this one has no CustomOriginConfig)")
    policy = custom.get("OriginProtocolPolicy")
    if policy not in PORT_FIELD:
        raise UsageError(f"--origin-domain {origin_id}: OriginProtocolPolicy {policy} uses both "
                         "HTTPPort and HTTPSPort; set them in the file and give ID=HOST")
    custom[PORT_FIELD[policy]] = port


def export_config(raw: Any, config_path: str, domains: dict[str, tuple[str, int | None]],
                  caller_reference: str) -> tuple[dict[str, Any], list[str]]:
    """The bare DistributionConfig for ``create-distribution``, and notes for the user (pure).

    ``raw`` is the emulator's file as decoded JSON (already validated); ``domains`` maps every
    origin Id to (public host, port or None).
    """
    config = copy.deepcopy(raw["DistributionConfig"] if "DistributionConfig" in raw else raw)
    origins = config["Origins"].get("Items") or []
    ids = [o["Id"] for o in origins]
    for origin_id in domains:
        if origin_id not in ids:
            raise UsageError(f"--origin-domain {origin_id}: {config_path} has no origin with that Id "
                             f"(known: {', '.join(ids)})")
    notes = []
    for origin in origins:
        origin_id = origin["Id"]
        if origin_id not in domains:
            raise UsageError(f"{config_path}: origin {origin_id!r} needs its public domain name "
                             f"(give --origin-domain {origin_id}=HOST[:PORT])")
        host, port = domains[origin_id]
        origin["DomainName"] = host
        if port is not None:
            _set_port(origin, origin_id, port)
        if origin.get("OriginAccessControlId"):
            notes.append(f"origin {origin_id}: OriginAccessControlId {origin['OriginAccessControlId']} "
                         "must exist in your account (aws cloudfront create-origin-access-control)")
    behaviors = [config.get("DefaultCacheBehavior") or {}, *((config.get("CacheBehaviors") or {}).get("Items") or [])]
    for fle_id in sorted({b.get("FieldLevelEncryptionId") for b in behaviors if b.get("FieldLevelEncryptionId")}):
        notes.append(f"FieldLevelEncryptionId {fle_id} must exist in your account "
                     "(aws cloudfront create-field-level-encryption-config)")
    config["CallerReference"] = caller_reference
    return config, notes


def validation_errors(config: dict[str, Any]) -> str | None:
    """botocore's report on ``config`` as CreateDistribution input, or None when it is valid."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("cloudfront")
    shape = model.operation_model("CreateDistribution").input_shape
    report = ParamValidator().validate({"DistributionConfig": config}, shape)
    return report.generate_report() if report.has_errors() else None


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(error_type=UsageError, prog="python -m edge export-config",
                description="Write the JSON 'aws cloudfront create-distribution --distribution-config' "
                            "takes, from the emulator's distribution file.")
    p.add_argument("--config", required=True, metavar="FILE", help="the emulator's DistributionConfig JSON")
    p.add_argument("--origin-domain", action="append", default=[], metavar="ID=HOST[:PORT]",
                   help="public DNS name (and port) of the origin with this Id; one per origin")
    p.add_argument("--caller-reference", help="CallerReference (default: a fresh one)")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    return p


def main(argv: list[str]) -> int:
    """``python -m edge export-config ...``; bad input is one line on stderr, exit 2."""
    return run_main("edge", lambda: _main(argv))


def _main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
        domains: dict[str, tuple[str, int | None]] = {}
        for item in args.origin_domain:
            origin_id, host, port = parse_origin_domain(item)
            domains[origin_id] = (host, port)
        load_distribution(args.config)  # the emulator's validator: one line naming the JSON path
        raw = json.loads(Path(args.config).read_text(encoding="utf-8"))
        config, notes = export_config(raw, args.config, domains,
                                      args.caller_reference or fresh_caller_reference(args.config))
        errors = validation_errors(config)
        if errors:
            raise UsageError(f"{args.config}: not valid CreateDistribution input: "
                             + " ".join(errors.split()))
        text = json.dumps(config, indent=2) + "\n"
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
