"""Command line of ``python -m edge``: parsing and checking, without IO."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from contracts.address import is_loopback, parse_address
from contracts.cli import OneLineParser
from contracts.tls import check_tls_dir
from contracts.token import REFUSED_FLAG, read_token
from edge.config.model import Distribution
from edge.errors import UsageError
from edge.security.features import SecurityOptions
from edge.security.features import add_arguments as add_security_arguments
from edge.security.features import options_from as security_options


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
    cache_policies: tuple[str, ...] = ()
    origin_request_policies: tuple[str, ...] = ()
    response_headers_policies: tuple[str, ...] = ()
    viewer_location: str | None = None  # --viewer-location: CloudFront-Viewer-* geography per POP
    listen_tls: tuple[str, int] | None = None  # --listen-tls: HTTPS viewers
    tls_dir: str | None = None  # --tls-dir: server.pem/key.pem served, ca.pem trusted (contracts/tls.py)
    origins_tls: dict[str, tuple[str, int]] = field(default_factory=dict)  # --origin-tls
    functions_dir: str | None = None  # --functions: DIR/NAME.js for each associated CloudFront function
    kvs: dict[str, str] = field(default_factory=dict)  # --kvs NAME=FILE: key value stores
    function_budget_ms: float = 5.0  # --function-budget-ms: CPU time per invocation
    lambdas_dir: str | None = None  # --lambdas: DIR/NAME.py for each Lambda@Edge function
    lambda_concurrency: int = 64  # --lambda-concurrency: handlers running at once
    lambda_timeout_s: float | None = None  # --lambda-timeout-s: instead of 5 s / 30 s
    pops: int = 1
    collapse: bool = True
    regional_tier: bool = False
    cache_bytes: int = 1 << 30  # --cache-size, per POP (and for the regional tier)

    security: SecurityOptions = SecurityOptions()  # --oac, --oac-credentials, --fle


def build_parser(pop_default: str) -> argparse.ArgumentParser:
    p = OneLineParser(error_type=UsageError, prog="python -m edge",
                description="Emulated CloudFront distribution: runs a DistributionConfig JSON "
                            "locally, with caching and origin-group failover.")
    p.add_argument("--config", required=True, metavar="FILE",
                   help="DistributionConfig JSON as printed by get-distribution-config")
    p.add_argument("--listen", required=True, metavar="HOST:PORT", help="viewer address")
    p.add_argument("--origin", action="append", default=[], metavar="ORIGIN_ID=HOST:PORT",
                   help="where the origin with this Id really is (one per origin)")
    p.add_argument("--origin-tls", action="append", default=[], metavar="ORIGIN_ID=HOST:PORT",
                   help="where the origin with this Id serves TLS (needed when its "
                        "OriginProtocolPolicy is https-only, or match-viewer with --listen-tls)")
    p.add_argument("--listen-tls", metavar="HOST:PORT",
                   help="HTTPS viewer address, serving the certificate of --tls-dir")
    p.add_argument("--tls-dir", metavar="DIR",
                   help="certificates as contracts/tls.py writes them (make keys: keys/tls): "
                        "server.pem + key.pem served on --listen-tls, ca.pem trusted for origins")
    p.add_argument("--access-log", metavar="FILE", help="CloudFront standard-format access log")
    p.add_argument("--admin", metavar="HOST:PORT",
                   help="admin API address (GET /stats, POST /invalidations)")
    p.add_argument("--token", help=argparse.SUPPRESS)  # refused: see contracts/token.py
    p.add_argument("--token-file", metavar="FILE",
                   help="the admin API's bearer token, in a file of mode 600 (or set HARNESS_TOKEN; "
                        "given neither, a random token goes into the ready file)")
    p.add_argument("--pop", default=pop_default, help=f"X-Amz-Cf-Pop value (default {pop_default})")
    p.add_argument("--ready-file", metavar="FILE", help="write the ready JSON here when listening")
    p.add_argument("--cache-policy", action="append", default=[], metavar="FILE",
                   help="a custom cache policy as get-cache-policy prints it (repeatable)")
    p.add_argument("--origin-request-policy", action="append", default=[], metavar="FILE",
                   help="a custom origin request policy as get-origin-request-policy prints it "
                        "(repeatable; managed ones are known by ID and name)")
    p.add_argument("--response-headers-policy", action="append", default=[], metavar="FILE",
                   help="a custom response headers policy as get-response-headers-policy prints it "
                        "(repeatable; managed ones are known by ID and name)")
    p.add_argument("--viewer-location", metavar="FILE",
                   help="JSON of the CloudFront-Viewer-* geography per POP name or \"*\" "
                        "(Country, City, ...; default: Seattle, US)")
    p.add_argument("--functions", metavar="DIR",
                   help="CloudFront Functions: DIR/NAME.js for each function the distribution "
                        "associates (NAME: the last part of its FunctionARN)")
    p.add_argument("--kvs", action="append", default=[], metavar="NAME=FILE",
                   help="a KeyValueStore for the functions: a JSON object of key: value (repeatable; "
                        "cf.kvs() takes the only one, cf.kvs(NAME) a named one)")
    p.add_argument("--function-budget-ms", type=float, default=5.0, metavar="MS",
                   help="CPU time a function may use per run before it is throttled (default 5)")
    p.add_argument("--lambdas", metavar="DIR",
                   help="Lambda@Edge: DIR/NAME.py (handler(event, context)) for each function the "
                        "distribution associates (NAME: the function name in its ARN)")
    p.add_argument("--lambda-concurrency", type=int, default=64, metavar="N",
                   help="Lambda@Edge handlers running at once; more are 503 LambdaLimitExceeded (default 64)")
    p.add_argument("--lambda-timeout-s", type=float, metavar="S",
                   help="every handler's time limit (default: 5 s on viewer events, 30 s on origin events)")
    p.add_argument("--pops", type=int, default=1, metavar="N",
                   help="run N edge locations (1..32), each with its own cache and X-Amz-Cf-Pop; "
                        "viewer connections are spread across them")
    p.add_argument("--no-collapse", action="store_true",
                   help="turn request collapsing off (concurrent misses each go to the origin)")
    p.add_argument("--regional-tier", action="store_true",
                   help="a regional edge cache shared by all POPs in front of the origins "
                        "(always on when an origin has OriginShield enabled)")
    p.add_argument("--cache-size", default="1GiB", metavar="SIZE",
                   help="each POP's cache, in bytes (like nginx's max_size): 512MiB, 2GiB, 100000000; "
                        "least recently used objects are evicted first (default 1GiB)")
    add_security_arguments(p)  # OAC signing and field-level encryption (edge/security/features.py)
    return p


SIZE_UNITS = {"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "kb": 1000, "mb": 10**6,
              "gb": 10**9}


def parse_size(text: str) -> int:
    """``512MiB``, ``2GiB``, ``100000000`` as bytes; UsageError naming what is allowed."""
    number = text.strip().rstrip("BbIiKkMmGg")
    unit = text.strip()[len(number):].lower()
    try:
        value = float(number) * SIZE_UNITS[unit]
    except (ValueError, KeyError):
        raise UsageError(f"--cache-size: {text!r} is not a size (e.g. 512MiB, 2GiB or a number of "
                         f"bytes; units: KiB, MiB, GiB, KB, MB, GB)") from None
    if not 1 << 20 <= value <= 1 << 40:
        raise UsageError(f"--cache-size: {text} is out of range (allowed 1MiB..1TiB)")
    return int(value)


def parse_args(argv: list[str], pop_default: str) -> Options:
    """Parse argv into :class:`Options`; raises UsageError with one line."""
    ns = build_parser(pop_default).parse_args(argv)
    origins = _mapping(ns.origin, "--origin")
    origins_tls = _mapping(ns.origin_tls, "--origin-tls")
    if (ns.listen_tls or origins_tls) and not ns.tls_dir:
        raise UsageError("--tls-dir DIR is required with --listen-tls or --origin-tls "
                         "(make keys writes keys/tls; scenario runs make their own)")
    if ns.tls_dir:
        problem = check_tls_dir(ns.tls_dir, "--tls-dir")
        if problem:
            raise UsageError(problem)
    if ns.token is not None:
        raise UsageError(REFUSED_FLAG)
    token = read_token(ns.token_file)
    admin = parse_address(ns.admin, "--admin") if ns.admin else None
    if admin is not None and token is None and not is_loopback(admin[0]):
        raise UsageError(f"--admin: {admin[0]} is not a loopback address; an admin API reachable from "
                         "other hosts needs a token of yours (HARNESS_TOKEN or --token-file FILE; "
                         "or keep --admin on 127.0.0.1)")
    if not 1 <= ns.pops <= 32:
        raise UsageError(f"--pops: {ns.pops} is out of range (allowed 1..32)")
    kvs: dict[str, str] = {}
    for item in ns.kvs:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--kvs {item!r}: expected NAME=FILE")
        kvs[name] = path
    if not 1 <= ns.lambda_concurrency <= 1000:
        raise UsageError(f"--lambda-concurrency: {ns.lambda_concurrency} is out of range (allowed 1..1000)")
    if ns.lambda_timeout_s is not None and not 0.1 <= ns.lambda_timeout_s <= 30:
        raise UsageError(f"--lambda-timeout-s: {ns.lambda_timeout_s:g} is out of range (allowed 0.1..30)")
    if not 0.1 <= ns.function_budget_ms <= 1000:
        raise UsageError(f"--function-budget-ms: {ns.function_budget_ms:g} is out of range (allowed 0.1..1000)")
    return Options(
        config=ns.config,
        listen=parse_address(ns.listen, "--listen"),
        origins=origins,
        access_log=ns.access_log,
        admin=admin,
        token=token,
        pop=ns.pop,
        ready_file=ns.ready_file,
        cache_policies=tuple(ns.cache_policy),
        origin_request_policies=tuple(ns.origin_request_policy),
        response_headers_policies=tuple(ns.response_headers_policy),
        viewer_location=ns.viewer_location,
        listen_tls=parse_address(ns.listen_tls, "--listen-tls") if ns.listen_tls else None,
        tls_dir=ns.tls_dir,
        origins_tls=origins_tls,
        functions_dir=ns.functions,
        kvs=kvs,
        function_budget_ms=ns.function_budget_ms,
        lambdas_dir=ns.lambdas,
        lambda_concurrency=ns.lambda_concurrency,
        lambda_timeout_s=ns.lambda_timeout_s,
        pops=ns.pops,
        collapse=not ns.no_collapse,
        cache_bytes=parse_size(ns.cache_size),
        regional_tier=ns.regional_tier,
        security=security_options(ns),
    )


def _mapping(items: list[str], flag: str) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for item in items:
        origin_id, sep, address = item.partition("=")
        if not sep or not origin_id:
            raise UsageError(f"{flag} {item!r}: expected ORIGIN_ID=HOST:PORT")
        out[origin_id] = parse_address(address, f"{flag} {origin_id}")
    return out


def check_origin_mapping(distribution: Distribution, config: str,
                         mapping: dict[str, tuple[str, int]],
                         tls_mapping: dict[str, tuple[str, int]] | None = None,
                         https_viewers: bool = False) -> None:
    """Every origin needs a local address for each protocol it can be reached with, and
    every mapping must name a real origin.

    The emulator never sends traffic to the DomainNames in the config.
    """
    known = ", ".join(distribution.origins)
    tls_mapping = tls_mapping or {}
    for flag, given in (("--origin", mapping), ("--origin-tls", tls_mapping)):
        for origin_id in given:
            if origin_id not in distribution.origins:
                raise UsageError(f"{flag} {origin_id}: {config} has no origin with that Id "
                                 f"(known: {known})")
    for origin_id, origin in distribution.origins.items():
        plain = not origin.uses_https(viewer_https=False)
        tls = origin.uses_https(viewer_https=https_viewers)
        if plain and origin_id not in mapping:
            raise UsageError(f"{config}: origin {origin_id!r} has no --origin mapping (give "
                             f"--origin {origin_id}=HOST:PORT; real domain names are never "
                             "contacted)")
        if tls and origin_id not in tls_mapping:
            raise UsageError(f"{config}: origin {origin_id!r} is reached over HTTPS "
                             f"(OriginProtocolPolicy {origin.protocol_policy}) and has no "
                             f"--origin-tls mapping (give --origin-tls {origin_id}=HOST:PORT)")
