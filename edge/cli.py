"""Command line of ``python -m edge``: parsing and checking, without IO."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from edge.errors import UsageError
from edge.model import Distribution

DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Options:
    """Validated command-line options."""

    config: str
    listen: tuple[str, int]
    origins: dict[str, tuple[str, int]]
    access_log: str | None
    admin: tuple[str, int] | None
    token: str | None
    pop: str
    ready_file: str | None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, no usage dump: the caller prints it and exits 2.
        raise UsageError(message)


def parse_address(text: str, what: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` -> (host, port); the host defaults to 127.0.0.1."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not HOST:PORT (port 0..65535)") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"{what}: {text!r} is not HOST:PORT (port 0..65535)")
    return host, port


def build_parser(pop_default: str) -> argparse.ArgumentParser:
    p = _Parser(prog="python -m edge",
                description="Emulated CloudFront distribution: runs a DistributionConfig JSON "
                            "locally, with caching and origin-group failover.")
    p.add_argument("--config", required=True, metavar="FILE",
                   help="DistributionConfig JSON as printed by get-distribution-config")
    p.add_argument("--listen", required=True, metavar="HOST:PORT", help="viewer address")
    p.add_argument("--origin", action="append", default=[], metavar="ORIGIN_ID=HOST:PORT",
                   help="where the origin with this Id really is (one per origin)")
    p.add_argument("--access-log", metavar="FILE", help="CloudFront standard-format access log")
    p.add_argument("--admin", metavar="HOST:PORT", help="admin API address (GET /stats)")
    p.add_argument("--token", help="admin calls need 'Authorization: Bearer TOKEN'")
    p.add_argument("--pop", default=pop_default, help=f"X-Amz-Cf-Pop value (default {pop_default})")
    p.add_argument("--ready-file", metavar="FILE", help="write the ready JSON here when listening")
    return p


def parse_args(argv: list[str], pop_default: str) -> Options:
    """Parse argv into :class:`Options`; raises UsageError with one line."""
    ns = build_parser(pop_default).parse_args(argv)
    origins: dict[str, tuple[str, int]] = {}
    for item in ns.origin:
        origin_id, sep, address = item.partition("=")
        if not sep or not origin_id:
            raise UsageError(f"--origin {item!r}: expected ORIGIN_ID=HOST:PORT")
        origins[origin_id] = parse_address(address, f"--origin {origin_id}")
    return Options(
        config=ns.config,
        listen=parse_address(ns.listen, "--listen"),
        origins=origins,
        access_log=ns.access_log,
        admin=parse_address(ns.admin, "--admin") if ns.admin else None,
        token=ns.token,
        pop=ns.pop,
        ready_file=ns.ready_file,
    )


def check_origin_mapping(distribution: Distribution, config: str,
                         mapping: dict[str, tuple[str, int]]) -> None:
    """Every origin needs a local address, and every mapping must name a real origin.

    The emulator never sends traffic to the DomainNames in the config.
    """
    known = ", ".join(distribution.origins)
    for origin_id in mapping:
        if origin_id not in distribution.origins:
            raise UsageError(f"--origin {origin_id}: {config} has no origin with that Id "
                             f"(known: {known})")
    for origin_id in distribution.origins:
        if origin_id not in mapping:
            raise UsageError(f"{config}: origin {origin_id!r} has no --origin mapping (give "
                             f"--origin {origin_id}=HOST:PORT; real domain names are never "
                             "contacted)")
