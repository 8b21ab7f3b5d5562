"""Command line of ``python -m origins``, parsed into a validated :class:`OriginConfig`."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Sequence

from contracts.address import is_loopback, parse_address
from contracts.cli import OneLineParser
from contracts.tls import check_tls_dir
from contracts.token import REFUSED_FLAG, read_token
from origins.errors import UsageError
from origins.security.cli import SecurityConfig
from origins.security.cli import add_arguments as add_security_arguments
from origins.security.cli import from_args as security_from_args

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class OriginConfig:
    """Everything one origin process needs to start."""

    origin_id: str
    listen: tuple[str, int]
    control: tuple[str, int]
    token: str | None = None
    ready_file: str | None = None
    max_age: int = 3600
    security: SecurityConfig = SecurityConfig()
    listen_tls: tuple[str, int] | None = None  # --listen-tls: the same content over TLS
    tls_dir: str | None = None  # certificates (contracts/tls.py), the tls fault's too


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        error_type=UsageError,
        prog="python -m origins",
        description="A fake origin: serves deterministic content on --listen and takes "
        "chaos faults (status, latency, hang, refuse, reset, truncate, bandwidth, "
        "slow-headers, flap, tls) on the --control API.",
    )
    parser.add_argument("--id", required=True, metavar="NAME", help="origin name, sent as X-Origin-Id")
    parser.add_argument("--listen", required=True, metavar="HOST:PORT", help="data address HOST:PORT (port 0: any)")
    parser.add_argument("--listen-tls", metavar="HOST:PORT",
                        help="also serve the data API over TLS here (needs --tls-dir; the tls fault acts on it)")
    parser.add_argument("--tls-dir", metavar="DIR",
                        help="certificates as contracts/tls.py writes them (server.pem, key.pem, and the "
                             "expired / wrong-name / self-signed ones the tls fault serves)")
    parser.add_argument("--control", required=True, metavar="HOST:PORT", help="control API address HOST:PORT")
    parser.add_argument("--token", help=argparse.SUPPRESS)  # refused: see contracts/token.py
    parser.add_argument("--token-file", metavar="FILE",
                        help="the control API's bearer token, in a file of mode 600 (or set HARNESS_TOKEN; "
                             "given neither, a random token goes into the ready file)")
    parser.add_argument("--ready-file", metavar="PATH", help="write the ready JSON here once listening")
    parser.add_argument("--max-age", default="3600", metavar="S", help="max-age of /static objects in seconds (default 3600)")
    add_security_arguments(parser)
    return parser


def parse_args(argv: Sequence[str], environ: dict[str, str] | None = None) -> OriginConfig:
    """Parse and validate; raises :class:`UsageError` with one line naming the flag."""
    args = build_parser().parse_args(list(argv))
    if not _ID.match(args.id):
        raise UsageError(f"--id: expected 1-64 letters, digits, '.', '_', '-', got {args.id!r}")
    if not args.max_age.isdigit():
        raise UsageError(f"--max-age: expected a whole number of seconds >= 0, got {args.max_age!r}")
    if args.token is not None:
        raise UsageError(REFUSED_FLAG)
    token = read_token(args.token_file, environ)
    control = parse_address(args.control, "--control")
    if token is None and not is_loopback(control[0]):
        # Anyone who reaches the control port can break this origin: off loopback, a token is a must.
        raise UsageError(f"--control: {control[0]} is not a loopback address; a control API reachable "
                         "from other hosts needs a token of yours (HARNESS_TOKEN or --token-file FILE; "
                         "or keep --control on 127.0.0.1)")
    listen_tls = parse_address(args.listen_tls, "--listen-tls") if args.listen_tls else None
    if listen_tls is not None:
        if not args.tls_dir:
            raise UsageError("--listen-tls needs --tls-dir DIR (make keys writes keys/tls; "
                             "scenario runs make their own)")
        problem = check_tls_dir(args.tls_dir, "--tls-dir")
        if problem:
            raise UsageError(problem)
    return OriginConfig(
        origin_id=args.id,
        listen=parse_address(args.listen, "--listen"),
        control=control,
        token=token,
        ready_file=args.ready_file,
        max_age=int(args.max_age),
        security=security_from_args(args),
        listen_tls=listen_tls,
        tls_dir=args.tls_dir,
    )
