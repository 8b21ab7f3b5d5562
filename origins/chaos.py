"""WSGI middleware that applies the active faults to every data-port request.

It asks :func:`origins.faults.plan_request` (pure) how to answer, then acts: sleeps the
delay, hangs, resets, truncates, answers a fault status, or lets the content app answer,
possibly throttled to a byte rate.
"""

from __future__ import annotations

import random
import time
from typing import Any, Callable, Iterable, Iterator

from origins.connection import CONNECTION_KEY, ConnectionTaken, RawConnection, status_line
from origins.faults import Hang, Reset, Status, Truncate, plan_request
from origins.stats import Stats
from origins.store import FaultStore

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]
HANG_POLL_S = 0.2  # how often a hanging request checks whether its client went away
NO_BODY = (204, 304)


class ChaosMiddleware:
    """Wraps the content app; every request is counted in ``stats``."""

    def __init__(
        self,
        app: WSGIApp,
        origin_id: str,
        store: FaultStore,
        stats: Stats,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.app = app
        self.origin_id = origin_id
        self.store = store
        self.stats = stats
        self.sleep = sleep
        self.rng = rng or random.Random()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        plan = plan_request(self.store.snapshot(), path, self.rng, time.monotonic())
        if plan.delay_s > 0:
            self.sleep(plan.delay_s)
        outcome = plan.outcome
        conn: RawConnection = environ[CONNECTION_KEY]
        if isinstance(outcome, Hang):
            self.stats.record(path, 0)
            self._hang(conn, plan.decided_by or "")
            raise ConnectionTaken()
        if isinstance(outcome, Reset) and outcome.when == "before-response":
            self.stats.record(path, 0)
            raise ConnectionTaken(reset=True)
        if outcome is None and plan.bytes_per_s is None:
            return self._passthrough(path, environ, start_response)

        if isinstance(outcome, Status):
            status, headers, body = self._status_response(outcome)
        else:
            status, headers, body = self._render(environ)
        self.stats.record(path, int(status.split(" ", 1)[0]))
        if environ.get("REQUEST_METHOD") == "HEAD":
            body = b""
        if isinstance(outcome, (Truncate, Reset)):
            fraction = outcome.fraction if isinstance(outcome, Truncate) else 0.5
            conn.send_head(status, headers)
            conn.send(body[: int(len(body) * fraction)])
            raise ConnectionTaken(reset=isinstance(outcome, Reset))
        start_response(status, headers)
        if plan.bytes_per_s is not None:
            return self._throttled(body, plan.bytes_per_s)
        return [body]

    def _passthrough(
        self, path: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        def counting_start_response(status: str, headers: Headers, exc_info: Any = None) -> Any:
            self.stats.record(path, int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        return self.app(environ, counting_start_response)

    def _render(self, environ: dict[str, Any]) -> tuple[str, Headers, bytes]:
        """Run the content app to completion and capture its response."""
        captured: list[Any] = []
        written: list[bytes] = []

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
            captured[:] = [status, list(headers)]
            return written.append

        result = self.app(environ, capture)
        try:
            written.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return captured[0], captured[1], b"".join(written)

    def _status_response(self, fault: Status) -> tuple[str, Headers, bytes]:
        line = status_line(fault.status)
        body = b"" if fault.status < 200 or fault.status in NO_BODY else (
            (fault.body if fault.body is not None else line + "\n").encode("utf-8")
        )
        headers: Headers = [("Content-Type", "text/plain; charset=utf-8")]
        if fault.status >= 200 and fault.status != 204:
            headers.append(("Content-Length", str(len(body))))
        headers.extend(fault.headers)
        headers.append(("X-Origin-Id", self.origin_id))
        return line, headers, body

    def _hang(self, conn: RawConnection, fault_name: str) -> None:
        released = self.store.released_event(fault_name)
        self.stats.hanging += 1
        try:
            while not released.wait(HANG_POLL_S):
                if conn.peer_closed():
                    return
        finally:
            self.stats.hanging -= 1

    def _throttled(self, body: bytes, bytes_per_s: int) -> Iterator[bytes]:
        # Chunks of ~1/10 s each, paced against the start time so sleeps do not drift.
        chunk = max(1, min(64 * 1024, bytes_per_s // 10))
        start = time.monotonic()
        for offset in range(0, len(body), chunk):
            piece = body[offset : offset + chunk]
            yield piece
            wait = start + (offset + len(piece)) / bytes_per_s - time.monotonic()
            if wait > 0:
                self.sleep(wait)

