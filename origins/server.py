"""Listeners of one origin process: the data listener (closable for ``refuse``), optionally
a TLS data listener (its certificate switchable for the ``tls`` fault) and the control
listener, each a gevent ``pywsgi.WSGIServer``.

``TCP_NODELAY`` is set on the listening sockets (accepted sockets inherit it): pywsgi
writes headers and body separately, and without it every keep-alive request waits
~40 ms for the peer's delayed ACK.
"""

from __future__ import annotations

import socket
import ssl
import weakref
from typing import Any

from gevent import socket as gsocket
from gevent import ssl as gssl
from gevent.pywsgi import WSGIHandler, WSGIServer

from contracts.tls import BROKEN, SERVER, server_context
from origins.connection import CONNECTION_KEY, ConnectionTaken, RawConnection

BACKLOG = 1024


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket with SO_REUSEADDR (re-open the same port after refuse) and TCP_NODELAY."""
    sock = gsocket.socket(gsocket.AF_INET6 if ":" in host else gsocket.AF_INET, gsocket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class OriginHandler(WSGIHandler):
    """pywsgi handler that exposes the raw socket to faults and tracks idle connections."""

    busy = False

    def handle(self) -> None:
        listener: DataListener | None = getattr(self.server, "data_listener", None)
        if listener is not None:
            listener.connections.add(self)
        try:
            super().handle()
        finally:
            if listener is not None:
                listener.connections.discard(self)

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[CONNECTION_KEY] = RawConnection(self.socket)
        environ["RAW_URI"] = self.path  # as sent, before unquoting: SigV4 signs this form
        return environ

    def handle_one_response(self) -> None:
        self.busy = True
        try:
            super().handle_one_response()
        finally:
            self.busy = False
        listener: DataListener | None = getattr(self.server, "data_listener", None)
        if listener is not None and listener.refusing:
            self.close_connection = True  # a refusing origin keeps no connection open

    def run_application(self) -> None:
        try:
            super().run_application()
        except ConnectionTaken as taken:
            # The fault already wrote what it wanted (maybe nothing); handle() closes the
            # socket once this request is done: FIN, or RST when lingering is off.
            self.close_connection = True
            if taken.reset:
                RawConnection(self.socket).set_reset_on_close()

    def shutdown_idle(self) -> None:
        """Close a keep-alive connection that waits for its next request."""
        sock = getattr(self, "socket", None)
        if sock is not None and not self.busy:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _TLSServer(WSGIServer):
    """A WSGI server whose handshakes use the listener's current certificate; a handshake the
    client abandons (it did not trust the certificate) ends quietly."""

    def wrap_socket_and_handle(self, client_socket: Any, address: Any) -> Any:
        listener: DataListener = self.data_listener
        try:
            tls_socket = listener.tls_context().wrap_socket(client_socket, server_side=True)
        except (ssl.SSLError, OSError):
            client_socket.close()
            return None
        try:
            return self.handle(tls_socket, address)
        finally:
            tls_socket.close()


class DataListener:
    """The data port: serves ``app``; can stop listening (refuse) and re-open the same port.

    With ``tls_dir`` it serves TLS with the certificates of that folder (``contracts/tls.py``):
    ``server.pem`` normally, a broken one while a ``tls`` fault asks for it."""

    def __init__(self, host: str, port: int, app: Any, tls_dir: str | None = None) -> None:
        self.host = host
        self.port = port
        self.app = app
        self.refusing = False
        self.connections: weakref.WeakSet[OriginHandler] = weakref.WeakSet()
        self._server: WSGIServer | None = None
        self._contexts = ({name: server_context(tls_dir, file, factory=gssl.SSLContext)
                           for name, file in (("server", SERVER), *BROKEN.items())}
                          if tls_dir is not None else {})
        self.certificate = "server"

    def tls_context(self) -> Any:
        return self._contexts[self.certificate]

    def set_certificate(self, broken: str | None) -> None:
        """Serve ``broken`` (a tls fault's certificate) or, with None, the good one; idle
        keep-alive connections are closed so the next request shakes hands again."""
        wanted = broken or "server"
        if wanted != self.certificate and self._contexts:
            self.certificate = wanted
            for handler in list(self.connections):
                handler.shutdown_idle()

    def open(self) -> None:
        sock = listen_socket(self.host, self.port)
        self.port = sock.getsockname()[1]  # port 0 becomes the real port, kept for re-opens
        if self._contexts:
            server: WSGIServer = _TLSServer(sock, self.app, handler_class=OriginHandler, log=None,
                                            ssl_context=self.tls_context())
        else:
            server = WSGIServer(sock, self.app, handler_class=OriginHandler, log=None)
        server.data_listener = self
        server.start()
        self._server = server

    def set_refused(self, refused: bool) -> None:
        if refused and not self.refusing:
            self.refusing = True
            self._close_listener()
            for handler in list(self.connections):
                handler.shutdown_idle()
        elif not refused and self.refusing:
            self.open()
            self.refusing = False

    def close(self) -> None:
        self._close_listener()
        for handler in list(self.connections):
            handler.shutdown_idle()

    def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


def control_server(host: str, port: int, app: Any) -> WSGIServer:
    server = WSGIServer(listen_socket(host, port), app, log=None)
    server.start()
    return server
