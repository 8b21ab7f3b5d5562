"""The launcher's API for the chaos panel (loopback, bearer token, JSON in and out).

The panel runs inside Locust's web UI, in the Locust process; the origins, the edge and the
run folder belong to the launcher (``python -m scenarios.ui``). The panel's server side calls
this API; the browser never sees it or its token.

    GET  /state    the session's phase, each origin's state and faults, recent events
    POST /step     {"action", "target", "params"}: apply and record one step
    POST /load     {"edge": "start" | "stop"}: Locust started or stopped the load
    POST /report   build the report of the stopped run

Errors are ``{"error": "...", "status": N}``.
"""

from __future__ import annotations

import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scenarios.ui.session import PanelError, PanelSession

MAX_BODY = 64 * 1024


class PanelApi:
    """Serves :class:`PanelSession` on ``host:0`` in a background thread."""

    def __init__(self, session: PanelSession, token: str, host: str = "127.0.0.1") -> None:
        self.session = session
        self.token = token
        self.server = ThreadingHTTPServer((host, 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="panel-api", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> PanelApi:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def dispatch(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        session = self.session
        routes = {
            ("GET", "/state"): lambda: session.state(),
            ("POST", "/step"): lambda: session.step(body),
            ("POST", "/load"): lambda: session.load(str((body or {}).get("edge", ""))
                                                  if isinstance(body, dict) else ""),
            ("POST", "/report"): lambda: session.build_report(),
        }
        route = routes.get((method, path))
        if route is None:
            return 404, {"error": f"no route {method} {path}", "status": 404}
        try:
            return 200, route()
        except PanelError as exc:
            return exc.status, {"error": str(exc), "status": exc.status}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # the panel polls: keep the log quiet
                pass

            def _answer(self, status: int, data: Any) -> None:
                raw = json.dumps(data, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _serve(self, method: str) -> None:
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {api.token}".encode()):
                    self._answer(401, {"error": "missing or wrong 'Authorization: Bearer <token>'",
                                       "status": 401})
                    return
                body: Any = None
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._answer(413, {"error": f"body over {MAX_BODY} bytes", "status": 413})
                    return
                if length:
                    try:
                        body = json.loads(self.rfile.read(length))
                    except ValueError as exc:
                        self._answer(400, {"error": f"body: invalid JSON: {exc}", "status": 400})
                        return
                self._answer(*api.dispatch(method, self.path.split("?", 1)[0], body))

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

        return Handler
