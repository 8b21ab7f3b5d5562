"""Start, announce and stop the edge: the only module that owns sockets and signals."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
from collections.abc import Mapping

from aiohttp import web

from contracts.ready import write_ready
from contracts.tls import server_context
from contracts.token import new_token
from edge.cli import Options
from edge.compute.functions import CloudFrontFunction
from edge.compute.lambdas import LambdaHandler
from edge.config.model import Distribution
from edge.core.cache import Cache
from edge.core.viewer_context import location_for
from edge.pop.accesslog import AccessLog
from edge.pop.edge_code import EdgeCode
from edge.pop.lambda_code import LambdaRunner
from edge.pop.loop_health import HEALTH
from edge.pop.pop import Pop
from edge.pop.pops import Pops, pop_names
from edge.pop.tier import RegionalTier, needs_tier
from edge.security.features import EdgeSecurity
from edge.wire.admin import admin_app
from edge.wire.origin_client import OriginClient
from edge.wire.security_admin import security_routes
from edge.wire.viewer_protocol import ViewerProtocol, sweep_forever

# In-flight requests get this long to finish on SIGTERM before they are
# cancelled, so the process exits well within the 2 s the harness allows.
SHUTDOWN_GRACE_S = 0.8


def _socket(address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET,
                         socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    return sock


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def build_pops(distribution: Distribution, options: Options, upstream: OriginClient,
               log: AccessLog, locations: Mapping[str, Mapping[str, str]] | None = None) -> Pops:
    """The POPs (and regional tier) the options ask for; ``locations`` from --viewer-location."""
    tier = RegionalTier(Cache(options.cache_bytes)) if needs_tier(distribution, options.regional_tier) else None
    edges = [Pop(distribution, upstream, log, pop=name, collapse=options.collapse, tier=tier,
                 cache=Cache(options.cache_bytes), location=location_for(name, locations or {}))
             for name in pop_names(options.pop, options.pops)]
    return Pops(edges, tier)


async def serve(distribution: Distribution, options: Options,
                security: EdgeSecurity | None = None,
                locations: Mapping[str, Mapping[str, str]] | None = None,
                functions: dict[str, CloudFrontFunction] | None = None,
                handlers: dict[str, LambdaHandler] | None = None) -> None:
    """Run until SIGTERM/SIGINT; then stop listening, finish, flush the log."""
    log = AccessLog(options.access_log)
    upstream = OriginClient(distribution.origins, options.origins,
                            finalize_headers=security.origin_headers if security else None,
                            tls_addresses=options.origins_tls, tls_dir=options.tls_dir)
    await upstream.start()
    pops = build_pops(distribution, options, upstream, log, locations)
    # Lambda@Edge: one thread pool for the process (its concurrency is the process's).
    lambdas = (LambdaRunner(handlers, pops.edges[0].stats, options.lambda_concurrency, options.lambda_timeout_s)
               if handlers else None)
    for edge in pops.edges:
        edge.security = security  # OAC signing and FLE (edge/security/features.py)
        if functions or lambdas:  # edge code, shared by the POPs (edge/pop/edge_code.py)
            edge.edge_code = edge.filler.edge_code = EdgeCode(functions or {}, distribution, edge.stats, lambdas)
    loop = asyncio.get_running_loop()
    connections: set[ViewerProtocol] = set()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    viewer: asyncio.Server | None = None
    viewer_tls: asyncio.Server | None = None
    sweeper: asyncio.Task[None] | None = None
    admin: web.AppRunner | None = None
    try:
        sock = _socket(options.listen)
        viewer = await loop.create_server(lambda: ViewerProtocol(pops.next(), connections),
                                          sock=sock, backlog=1024)
        tls_sock = None
        if options.listen_tls is not None and options.tls_dir is not None:
            tls_sock = _socket(options.listen_tls)
            viewer_tls = await loop.create_server(
                lambda: ViewerProtocol(pops.next(), connections, tls=True), sock=tls_sock,
                backlog=1024, ssl=server_context(options.tls_dir), ssl_handshake_timeout=10)
            for edge in pops.edges:  # redirect-to-https sends viewers to this port
                edge.https_port = tls_sock.getsockname()[1]
        admin_address = None
        token = options.token or new_token()  # always a token: given, or random for this process
        if options.admin is not None:
            admin = web.AppRunner(admin_app(pops, token, security_routes(security)), access_log=None,
                                  handle_signals=False, shutdown_timeout=0.2)
            await admin.setup()
            admin_sock = _socket(options.admin)
            await web.SockSite(admin, admin_sock).start()
            admin_address = _address(admin_sock)
        log.start()
        HEALTH.install()  # the collector's pauses, and freezing what the caches keep
        gc.freeze()  # what start-up made (modules, config, pools) lives as long as the process
        caches = [edge.cache for edge in pops.edges] + ([pops.tier.cache] if pops.tier is not None else [])
        sweeper = loop.create_task(sweep_forever(connections, stores=lambda: sum(c.stores for c in caches)))
        ready = {"pid": os.getpid(), "listen": _address(sock), "admin": admin_address,
                 "listen_tls": _address(tls_sock) if tls_sock is not None else None}
        if admin_address is not None:
            ready["token"] = token  # in the file (mode 600) only, never on stdout
        write_ready(options.ready_file, ready)
        await stop.wait()
    finally:
        for server in (viewer, viewer_tls):
            if server is not None:
                server.close()
        if sweeper is not None:
            sweeper.cancel()
        await _drain(connections)
        if admin is not None:
            await admin.cleanup()
        await upstream.close()
        await log.close()
        if lambdas is not None:
            lambdas.close()


async def _drain(connections: set[ViewerProtocol]) -> None:
    """Let in-flight requests finish for a moment, then close every viewer connection."""
    deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE_S
    # Polls every connection's idle flag until a deadline: one Event per connection would
    # cost the hot path a set() per request for a once-per-run shutdown.
    while any(not c.idle for c in connections) and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    tasks = [c.task for c in connections if c.task is not None]
    for connection in list(connections):
        if connection.task is not None:
            connection.task.cancel()
        connection.close()
    if tasks:  # let each cancelled request write its log line (Pop.respond) before the log closes
        await asyncio.wait(tasks, timeout=0.5)
    await asyncio.sleep(0)
