"""Per-request log: every request Locust makes becomes one row of ``requests.csv``.

Columns (fixed by the run-folder contract):
``ts,latency_ms,method,name,status,ok,bytes,x_cache,origin,pop,user,error``.

The listener runs once per request, so it only builds a tuple and appends it to a list.
A background greenlet writes the list out at least every :data:`FLUSH_INTERVAL_S`
seconds, and test stop / quit flush whatever is left: a crash loses at most a second of
rows. The buffer is swapped for an empty one before writing (no yield in between, so with
gevent's cooperative scheduling every row is written exactly once).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from pathlib import Path
from typing import Any

import gevent

COLUMNS = (
    "ts", "latency_ms", "method", "name", "status", "ok",
    "bytes", "x_cache", "origin", "pop", "user", "error",
)
FLUSH_INTERVAL_S = 0.5
MAX_ERROR_CHARS = 300

log = logging.getLogger(__name__)


def _header(headers: Any, field: str) -> str:
    if headers is None:
        return ""
    value = headers.get(field)
    if value is None:
        return ""
    if isinstance(value, list):  # a repeated header: the first one counts
        value = value[0] if value else ""
    return str(value)


def error_line(exception: BaseException | None) -> str:
    """A one-line description of a request's failure ('' when it succeeded)."""
    if exception is None:
        return ""
    text = str(exception) or type(exception).__name__
    if type(exception).__name__ not in text:
        text = f"{type(exception).__name__}: {text}"
    text = " ".join(text.split())
    return text[:MAX_ERROR_CHARS]


def request_row(
    *,
    start_time: float,
    response_time: float,
    request_type: str,
    name: str,
    response: Any,
    response_length: int,
    exception: BaseException | None,
    user: str,
) -> tuple[Any, ...]:
    """The CSV row of one request, from the arguments of Locust's ``request`` event."""
    status = (getattr(response, "status_code", 0) or 0) if response is not None else 0
    headers = getattr(response, "headers", None)
    x_cache = _header(headers, "X-Cache")
    return (
        f"{start_time:.6f}",
        f"{response_time:.3f}",
        request_type,
        name,
        int(status),
        0 if exception is not None else 1,
        int(response_length or 0),
        x_cache.split(" ", 1)[0],  # "Hit from cloudfront" -> "Hit"
        _header(headers, "X-Origin-Id"),
        _header(headers, "X-Amz-Cf-Pop"),
        user,
        error_line(exception),
    )


class RequestLog:
    """Buffered writer of request rows to one CSV file (header written when the file is new)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        # One O_APPEND write() per flush: Linux appends each call whole, so Locust worker
        # processes sharing the file (--processes N) never interleave half lines.
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size == 0:
            self._write([COLUMNS])
        self._flusher: gevent.Greenlet | None = None

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        assert self._fd is not None
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        data = text.getvalue().encode("utf-8")
        while data:  # a regular file takes it all at once; loop only for the odd short write
            data = data[os.write(self._fd, data):]

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        response: Any = None,
        context: dict[str, Any] | None = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        **_kwargs: Any,
    ) -> None:
        """Listener for ``events.request``: record one row (no IO here)."""
        self.rows.append(
            request_row(
                start_time=start_time if start_time is not None else 0.0,
                response_time=response_time or 0.0,
                request_type=request_type,
                name=name,
                response=response,
                response_length=response_length,
                exception=exception,
                user=(context or {}).get("user", ""),
            )
        )

    def flush(self) -> None:
        """Write every buffered row."""
        if self._fd is None:
            return
        rows, self.rows = self.rows, []
        if rows:
            self._write(rows)
            self.written += len(rows)

    def start_flusher(self) -> None:
        if self._flusher is None or self._flusher.dead:
            self._flusher = gevent.spawn(self._flush_forever)

    def _flush_forever(self) -> None:
        while True:
            gevent.sleep(FLUSH_INTERVAL_S)
            try:
                self.flush()
            except OSError as exc:  # a full disk must not kill the load test
                log.error("requests log %s: %s", self.path, exc)

    def close(self) -> None:
        if self._flusher is not None:
            self._flusher.kill(block=False)
            self._flusher = None
        self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
