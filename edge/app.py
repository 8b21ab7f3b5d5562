"""Start, announce and stop the edge: the only module that owns sockets and signals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from typing import Any

from aiohttp import web

from edge.accesslog import AccessLog
from edge.admin import admin_app
from edge.cli import Options
from edge.model import Distribution
from edge.server import Edge
from edge.upstream import Upstream

# In-flight requests get this long to finish on SIGTERM before they are
# cancelled, so the process exits well within the 2 s the harness allows.
SHUTDOWN_GRACE_S = 0.8


def _bound(runner: web.BaseRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"{host}:{port}"


def write_ready_file(path: str, payload: dict[str, Any]) -> None:
    """Write ``payload`` atomically (temp file + rename)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh)
    os.replace(tmp, path)


async def _site(runner: web.BaseRunner, address: tuple[str, int]) -> None:
    await runner.setup()
    sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET,
                         socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    await web.SockSite(runner, sock, backlog=1024).start()


async def serve(distribution: Distribution, options: Options) -> None:
    """Run until SIGTERM/SIGINT; then stop listening, finish, flush the log."""
    log = AccessLog(options.access_log)
    upstream = Upstream(distribution.origins, options.origins)
    await upstream.start()
    edge = Edge(distribution, upstream, log, pop=options.pop)
    viewer = web.ServerRunner(web.Server(edge.handle, access_log=None),
                              handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE_S)
    runners: list[web.BaseRunner] = [viewer]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await _site(viewer, options.listen)
        admin_address = None
        if options.admin is not None:
            admin = web.AppRunner(admin_app(edge, options.token), access_log=None,
                                  handle_signals=False, shutdown_timeout=0.2)
            runners.append(admin)
            await _site(admin, options.admin)
            admin_address = _bound(admin)
        log.start()
        ready = {"pid": os.getpid(), "listen": _bound(viewer), "admin": admin_address}
        if options.ready_file:
            write_ready_file(options.ready_file, ready)
        print("READY " + json.dumps(ready), flush=True)
        await stop.wait()
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
        await upstream.close()
        await log.close()
