"""Raw access to a data connection, for faults that must break HTTP on purpose.

The WSGI handler puts a :class:`RawConnection` in ``environ[CONNECTION_KEY]``. A fault
that has written (or deliberately not written) its own bytes raises
:class:`ConnectionTaken`; the handler then closes the connection (FIN), or with
``reset=True`` closes it with SO_LINGER 0 so the kernel sends an RST.
"""

from __future__ import annotations

import select
import socket
import struct
from http import HTTPStatus
from typing import Iterable

CONNECTION_KEY = "origins.connection"


class ConnectionTaken(Exception):
    """The response was handled outside WSGI; close the connection (RST if ``reset``)."""

    def __init__(self, reset: bool = False) -> None:
        super().__init__("reset" if reset else "close")
        self.reset = reset


class RawConnection:
    """The client socket of one request."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def send_head(self, status: str, headers: Iterable[tuple[str, str]]) -> None:
        lines = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in headers]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send(self, data: bytes) -> None:
        if data:
            self._sock.sendall(data)

    def peer_closed(self) -> bool:
        """Whether the client has gone away (EOF or error), without consuming its bytes."""
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            if not readable:
                return False
            return self._sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def set_reset_on_close(self) -> None:
        # Linger on with timeout 0: close() discards unsent data and sends RST, not FIN.
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def status_line(code: int) -> str:
    """``503 Service Unavailable``; codes without a standard phrase get ``Unknown``."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"
