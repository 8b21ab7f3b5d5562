"""An edge and scripted origins in the test's own event loop, on loopback port 0.

The edge is the real one (config loader, POPs, viewer protocol, upstream pools);
only the origins are small aiohttp servers whose answers each test scripts per
path, so behaviour tests run in milliseconds without child processes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from edge.app import build_pops
from edge.cli import Options
from edge.config.loader import parse_distribution
from edge.pop.accesslog import AccessLog
from edge.pop.logline import parse_line
from edge.pop.pops import Pops
from edge.wire.admin import admin_app
from edge.wire.origin_client import OriginClient
from edge.wire.viewer_protocol import ViewerProtocol, sweep_forever

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class ScriptedOrigin:
    """An origin answering ``replies[path]`` (a tuple, or a callable of the request)."""

    name: str
    replies: dict[str, Reply | Callable[[web.Request], Awaitable[Reply]]] = field(
        default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    address: str = ""

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.seen if p == path)

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.method, request.path_qs, dict(request.headers)))
        if self.delay:
            await asyncio.sleep(self.delay)
        reply = self.replies.get(request.path, (404, {}, b"not found"))
        if callable(reply):
            reply = await reply(request)
        status, headers, body = reply
        return web.Response(status=status, headers={"X-Origin-Id": self.name, **headers},
                            body=body)


@dataclass
class Running:
    url: str
    admin_url: str
    pops: Pops
    log: AccessLog
    origins: dict[str, ScriptedOrigin]

    def records(self) -> list[dict[str, str]]:
        self.log.flush()
        path = Path(self.log_path)
        return [parse_line(x) for x in path.read_text().splitlines() if not x.startswith("#")]

    log_path: str = ""


@asynccontextmanager
async def running(document: dict[str, Any], tmp: Path, *, pops: int = 1, collapse: bool = True,
                  regional: bool = False, names: tuple[str, ...] = ("primary", "secondary"),
                  head_timeout: float = 20.0, cache_bytes: int = 1 << 30) -> AsyncIterator[Running]:
    """The edge for ``document`` in front of scripted origins ``names``."""
    origins = {n: ScriptedOrigin(n) for n in names}
    runners: list[web.BaseRunner] = []
    for origin in origins.values():
        runner = web.AppRunner(web.Application(), access_log=None, shutdown_timeout=0.1)
        runner.app.router.add_route("*", "/{tail:.*}", origin._handle)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        origin.address = f"{host}:{port}"
        runners.append(runner)
    distribution = parse_distribution(document, "test.json")
    mapping = {n: ("127.0.0.1", int(o.address.rsplit(":", 1)[1])) for n, o in origins.items()}
    log_path = str(tmp / f"edge-{id(document)}.log")
    options = Options("test.json", ("127.0.0.1", 0), mapping, log_path, None, None,
                      "EMU50-C1", None, pops=pops, collapse=collapse, regional_tier=regional,
                      cache_bytes=cache_bytes)
    log = AccessLog(log_path)
    upstream = OriginClient(distribution.origins, mapping)
    await upstream.start()
    group = build_pops(distribution, options, upstream, log)
    connections: set[ViewerProtocol] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: ViewerProtocol(group.next(), connections, head_timeout=head_timeout),
        "127.0.0.1", 0)
    sweeper = loop.create_task(sweep_forever(connections, interval=0.05))
    admin = web.AppRunner(admin_app(group, "secret"), access_log=None)
    await admin.setup()
    await web.TCPSite(admin, "127.0.0.1", 0).start()
    port = server.sockets[0].getsockname()[1]
    admin_host, admin_port = admin.addresses[0][:2]
    try:
        yield Running(f"http://127.0.0.1:{port}", f"http://{admin_host}:{admin_port}", group,
                      log, origins, log_path=log_path)
    finally:
        server.close()
        sweeper.cancel()
        for connection in list(connections):
            connection.close()
        await admin.cleanup()
        await upstream.close()
        await log.close()
        for runner in runners:
            await runner.cleanup()


async def get(session: aiohttp.ClientSession, url: str, **kwargs: Any
              ) -> tuple[int, dict[str, str], bytes]:
    async with session.get(url, **kwargs) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def raw_exchange(url: str, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes to the viewer port; everything read until the edge closes or
    ``timeout`` passes."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    await writer.drain()
    chunks = []
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                break
            chunks.append(chunk)
    except asyncio.TimeoutError:
        pass
    writer.close()
    return b"".join(chunks)


def run(coro: Awaitable[Any]) -> Any:
    """Run one test coroutine on a fresh event loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def age_cache(group: Pops, seconds: float) -> None:
    """Make every cached object ``seconds`` older (instead of sleeping through TTLs)."""
    from dataclasses import replace

    caches = [e.cache for e in group.edges] + ([group.tier.cache] if group.tier else [])
    for cache in caches:
        for key, entry in list(cache._entries.items()):
            cache._entries[key] = replace(entry, stored_at=entry.stored_at - seconds)


def batch(paths: list[str]) -> str:
    return json.dumps({"Paths": {"Quantity": len(paths), "Items": paths},
                       "CallerReference": "test"})
