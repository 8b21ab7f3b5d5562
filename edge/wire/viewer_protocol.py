"""The viewer socket: an asyncio protocol that moves bytes between viewers and a POP.

Hits are answered inside ``data_received`` without creating a task (the edge's
hot path); anything else starts there too and, once it waits (on an origin), goes on
as one task per request (:mod:`edge.wire.eager`), and requests pipelined behind it
wait their turn. Malformed or oversized requests get CloudFront's
400/413 page and the connection is closed. A viewer that sends a head slower
than ``head_timeout`` or idles longer than ``idle_timeout`` between requests is
disconnected, so slow clients cannot pin the edge (one sweep a second checks every
connection: no timer per request on the hot path).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from multidict import CIMultiDict, CIMultiDictProxy

from edge.core.chunked import parse_chunked
from edge.core.viewer_http import MAX_BUFFERED_HEAD, RequestError, ViewerRequest, parse_head
from edge.pop.loop_health import HEALTH
from edge.pop.pop import Pop
from edge.pop.routing import Route
from edge.wire import eager

HEAD_TIMEOUT_S = 20.0
IDLE_TIMEOUT_S = 60.0
# Bytes a viewer may queue behind an answer in progress before we stop reading from it.
MAX_QUEUED_BYTES = 1 << 20


def _placeholder(peer: tuple[str, int]) -> ViewerRequest:
    """A request stand-in for logging what could not be parsed."""
    return ViewerRequest("-", "-", "HTTP/1.1", (), CIMultiDictProxy(CIMultiDict()), 0, False,
                         peer=peer)


class ViewerProtocol(asyncio.Protocol):
    """One viewer connection, served by one POP for its whole life."""

    def __init__(self, edge: Pop, connections: set[ViewerProtocol],
                 head_timeout: float = HEAD_TIMEOUT_S, idle_timeout: float = IDLE_TIMEOUT_S,
                 tls: bool = False) -> None:
        self.edge = edge
        self._connections = connections
        self._head_timeout = head_timeout
        self._idle_timeout = idle_timeout
        self._transport: asyncio.Transport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._buffer = bytearray()
        self._pending: ViewerRequest | None = None  # head parsed, body still arriving
        self._started = 0.0
        self._busy = False
        self._processing = False  # starting an answer in _process: if done at once, _process goes on
        self._deadline = 0.0  # monotonic time after which an idle/slow viewer is dropped
        self._peer: tuple[str, int] = ("127.0.0.1", 0)
        self._write_paused = False   # the viewer is not reading its answers
        self._read_paused = False    # we stopped reading while it queued too much
        self.task: asyncio.Task[None] | None = None
        self._tls = tls
        self._tls_info: tuple[str, str] | None = None  # (protocol, cipher) once connected

    # -- connection lifecycle ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        # Kept: asking asyncio for the running loop makes a getpid() syscall each time on
        # Python 3.11, and a miss would ask once more (to start its task).
        self._loop = asyncio.get_running_loop()
        peer = transport.get_extra_info("peername")
        if peer:
            self._peer = (str(peer[0]), int(peer[1]))
        if self._tls:
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                cipher = ssl_object.cipher()
                self._tls_info = (str(ssl_object.version()), str(cipher[0]) if cipher else "-")
        self._connections.add(self)
        self._arm(self._idle_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        # A request still waiting on an origin keeps the connection in the set until it ends,
        # so a shutdown waits for it (or cancels it) and it gets its access-log line.
        if self.task is None:
            self._connections.discard(self)

    def _arm(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def sweep(self, now: float) -> None:
        """Close the connection when its viewer is past its deadline (and no answer is due)."""
        if not self._busy and now > self._deadline and self._transport is not None:
            self._transport.close()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if not self._busy and self._buffer:
            self._process()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    @property
    def idle(self) -> bool:
        return not self._busy

    # -- bytes in ------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        started = time.perf_counter()
        self._received(data)
        HEALTH.busy = True
        held = time.perf_counter() - started
        if held > HEALTH.watch_s:
            HEALTH.held(held, "viewer")

    def _received(self, data: bytes) -> None:
        if not self._buffer and self._pending is None and not self._busy:
            self._started = now = time.monotonic()
            self._deadline = now + self._head_timeout
        self._buffer += data
        if not self._busy:
            self._process()
        elif len(self._buffer) > MAX_QUEUED_BYTES and self._transport is not None:
            self._transport.pause_reading()
            self._read_paused = True

    def _process(self) -> None:
        buffer = self._buffer
        transport = self._transport
        while transport is not None and buffer and not self._busy and not self._write_paused:
            request = self._pending
            if request is None:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > MAX_BUFFERED_HEAD:
                        self._refuse(RequestError("head too large", status=413, detailed="InvalidRequestHeader"))
                    return
                if not self._started:
                    self._started = time.monotonic()
                try:
                    request = parse_head(bytes(buffer[:end]))
                except RequestError as exc:
                    self._refuse(exc)
                    return
                request.peer = self._peer
                request.tls = self._tls_info
                del buffer[:end + 4]
            if not self._read_body(request):
                if self._pending is None and request.headers.get(
                        "Expect", "").lower() == "100-continue":
                    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                self._pending = request
                return
            self._pending = None
            started, self._started = self._started, 0.0
            data = self.edge.try_hit(request, started)
            if isinstance(data, bytes):
                transport.write(data)
                if not request.keep_alive:
                    transport.close()
                    return
                continue
            self._busy = True
            assert self._loop is not None  # set with the transport
            self._processing = True
            try:
                self.task = eager.start(self._loop, self._serve(request, started, data))
            finally:
                self._processing = False
            if self.task is None and not request.keep_alive:  # answered at once, and closed
                return
        if transport is not None and not self._busy and not buffer:
            self._deadline = time.monotonic() + self._idle_timeout

    def _read_body(self, request: ViewerRequest) -> bool:
        """Move the body out of the buffer; False while it is incomplete."""
        buffer = self._buffer
        try:
            if request.chunked:
                decoded = parse_chunked(buffer)
                if decoded is None:
                    return False
                request.body, used = decoded
                del buffer[:used]
            elif request.content_length:
                if len(buffer) < request.content_length:
                    return False
                request.body = bytes(buffer[:request.content_length])
                del buffer[:request.content_length]
        except RequestError as exc:
            self._refuse(exc)
            return False
        return True

    def _refuse(self, error: RequestError) -> None:
        started = self._started or time.monotonic()
        placeholder = _placeholder(self._peer)
        placeholder.tls = self._tls_info
        data = self.edge.reject(placeholder, error.status, error.detailed, str(error), started)
        self._buffer.clear()
        if self._transport is not None:
            self._transport.write(data)
            self._transport.close()

    # -- bytes out -----------------------------------------------------------------------
    def _deliver(self, request: ViewerRequest) -> Callable[[bytes], bool]:
        def deliver(data: bytes) -> bool:
            transport = self._transport
            if transport is None or transport.is_closing():
                return False
            transport.write(data)
            if not request.keep_alive:  # read now: the edge may have decided to close
                transport.close()
            return True
        return deliver

    async def _serve(self, request: ViewerRequest, started: float, route: Route) -> None:
        try:
            await self.edge.respond(request, started, self._deliver(request), route)
        finally:
            self._busy = False
            self.task = None
            if self._transport is None:  # the viewer left while we answered
                self._connections.discard(self)
        if self._read_paused and self._transport is not None:
            self._read_paused = False
            self._transport.resume_reading()
        if self._transport is not None and not self._processing:  # else _process goes on
            if self._buffer:
                self._started = time.monotonic()
                self._process()
            else:
                self._arm(self._idle_timeout)


async def sweep_forever(connections: set[ViewerProtocol], interval: float = 1.0,
                        stores: Callable[[], int] | None = None) -> None:
    """Drop viewers that are too slow or idle too long, once every ``interval`` seconds; then
    let the collector run a full collection if the loop was idle, or freeze what the caches
    have taken (``stores``: their stores so far; edge/pop/loop_health.py)."""
    while True:
        await asyncio.sleep(interval)
        started = time.perf_counter()
        now = time.monotonic()
        for connection in list(connections):
            connection.sweep(now)
        collecting = HEALTH.tick(stores(), now) if stores is not None else 0.0
        HEALTH.held(time.perf_counter() - started - collecting, "sweep")  # an idle collection is apart
