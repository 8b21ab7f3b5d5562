"""Keep-alive connections to one origin, and one request/answer exchange on a connection.

A plain :class:`asyncio.Protocol` per connection: the answer is parsed as it arrives by
:class:`edge.core.origin_http.ResponseParser`, inside ``data_received``, and the waiting
request wakes once, when it is complete. No task, stream reader or per-read timer: the read
timeout (OriginReadTimeout, to the first byte and between reads) is one timer a connection
that looks at the time of the last read when it fires and sets itself again if bytes came
or another exchange began.

A pool hands out its most recently used idle connection (the one least likely to have been
closed by the origin's own keep-alive timeout) and drops those idle for longer than the
origin's OriginKeepaliveTimeout. When the origin closes a connection before answering a byte,
:class:`ConnectionClosed` says so (``received`` false), and the origin client tries once more
on a new connection without counting an attempt, for idempotent methods only.
"""

from __future__ import annotations

import asyncio
import ssl
from asyncio import Future, TimerHandle
from typing import Any

from edge.core.origin_http import ResponseParser


class ConnectionClosed(Exception):
    """The origin closed (or reset) the connection before the answer was complete."""

    def __init__(self, received: bool) -> None:
        super().__init__("closed after part of an answer" if received else "closed before answering")
        self.received = received


class OriginReadTimeout(Exception):
    """No byte from the origin for OriginReadTimeout."""


class OriginConnection(asyncio.Protocol):
    """One connection to an origin; one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser: ResponseParser | None = None
        self._waiter: Future[ResponseParser] | None = None
        self._last_read = 0.0
        self._read_timeout = 0.0
        self._timer: TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        parser, waiter = self._parser, self._waiter
        if parser is None or waiter is None or waiter.done():
            self.close()  # bytes nobody asked for: this connection is not trusted again
            return
        self._last_read = self._loop.time()
        try:
            done = parser.feed(data)
        except Exception as error:  # ResponseError, or a bug: either way the answer is lost
            waiter.set_exception(error)
            self.close()
            return
        if done:
            waiter.set_result(parser)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_timer()
        self.transport = None  # no cycle with the transport: freed without the collector
        parser, waiter = self._parser, self._waiter
        if parser is None or waiter is None or waiter.done():
            return
        if parser.eof():
            waiter.set_result(parser)
        else:
            waiter.set_exception(ConnectionClosed(parser.received))

    def close(self) -> None:
        self.closed = True
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def exchange(self, head: bytes, body: bytes | None, method: str,
                       read_timeout: float) -> ResponseParser:
        """Send one request; the complete answer. Raises :class:`ConnectionClosed`,
        :class:`OriginReadTimeout` or :class:`~edge.core.origin_http.ResponseError`."""
        assert self.transport is not None
        self._parser = ResponseParser(method)
        waiter = self._waiter = self._loop.create_future()
        self._last_read = now = self._loop.time()
        self._read_timeout = read_timeout
        timer = self._timer
        if timer is None or timer.when() > now + read_timeout:
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(now + read_timeout, self._check_read)
        self.transport.write(head + body if body else head)
        try:
            return await waiter
        finally:
            self._parser = self._waiter = None

    def _check_read(self) -> None:
        """The connection's one timer: it is set when an exchange finds none and left running
        after it, so the next exchange on the connection sets none (a timer set and cancelled
        for every exchange cost about 6 us of a miss's CPU). Fired, it times out an exchange
        whose last read is OriginReadTimeout old, sets itself again for one that is younger,
        and stops on an idle connection."""
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        due = self._last_read + self._read_timeout
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check_read)
            return
        waiter.set_exception(OriginReadTimeout())
        self.close()


class OriginPool:
    """The connections to one origin address (plain or TLS); made inside the running loop."""

    def __init__(self, host: str, port: int, connect_timeout: float, keepalive_timeout: float,
                 context: ssl.SSLContext | None = None, server_hostname: str | None = None) -> None:
        self._host, self._port = host, port
        self._connect_timeout = connect_timeout
        self._keepalive = keepalive_timeout
        self._context, self._hostname = context, server_hostname
        self._idle: list[OriginConnection] = []
        self._open: set[OriginConnection] = set()
        # Made in the running loop and kept: asyncio.get_running_loop() makes a getpid()
        # syscall each time on Python 3.11, twice a request if asked on acquire and release.
        self._loop = asyncio.get_running_loop()

    def idle(self) -> OriginConnection | None:
        """The most recently used idle connection still open and within its keep-alive, if
        any (no coroutine: a miss on a kept connection waits for nothing before its write)."""
        now = self._loop.time()
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed and now - conn.idle_since < self._keepalive:
                return conn
            self._discard(conn)
        return None

    async def connect(self) -> OriginConnection:
        """A new connection within ConnectionTimeout (the TLS handshake included).

        Raises what connecting raised: ``ConnectionRefusedError`` and other ``OSError``,
        ``ssl.SSLError`` for a handshake, ``asyncio.TimeoutError`` when the time is up.
        """
        loop = self._loop
        extra: dict[str, Any] = {}
        if self._context is not None:
            extra = {"ssl": self._context, "server_hostname": self._hostname}
        _, conn = await asyncio.wait_for(
            loop.create_connection(lambda: OriginConnection(loop), self._host, self._port, **extra),
            self._connect_timeout)
        self._open.add(conn)
        return conn

    def release(self, conn: OriginConnection, reusable: bool) -> None:
        if reusable and not conn.closed:
            conn.idle_since = self._loop.time()
            self._idle.append(conn)
        else:
            self._discard(conn)

    def _discard(self, conn: OriginConnection) -> None:
        conn.close()
        self._open.discard(conn)

    def close(self) -> None:
        for conn in self._open:
            conn.close()
        self._open.clear()
        self._idle.clear()
