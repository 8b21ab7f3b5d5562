"""Per-request log: every request Locust makes becomes one row of ``requests.csv``.

Columns (fixed by the run-folder contract):
``ts,latency_ms,method,name,status,ok,bytes,x_cache,origin,pop,user,error``.

The listener runs once per request, so it only builds a tuple and appends it to a list.
A background greenlet writes the list out at least every :data:`FLUSH_INTERVAL_S`
seconds, and test stop / quit flush whatever is left: a crash loses at most a second of
rows. The buffer is swapped for an empty one before writing (no yield in between, so with
gevent's cooperative scheduling every row is written exactly once).

Distributed runs (``--processes N``, or ``--master`` with ``--worker``s on other machines):
workers never touch the file. A ``RowRelay`` on each worker batches its rows and sends
them to the master over Locust's own messaging (:data:`MESSAGE_TYPE`), every
:data:`FLUSH_INTERVAL_S` and once more on test stop, *before* the worker reports itself
stopped; the master appends them to its single ``requests.csv`` (see :mod:`locustfiles.relay`).
Every batch written fires :data:`rows_logged` (the chaos panel's live numbers listen to it).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from pathlib import Path
from typing import Any, Callable

import gevent

from contracts.requests_csv import COLUMNS

FLUSH_INTERVAL_S = 0.5
MAX_ERROR_CHARS = 300
MESSAGE_TYPE = "harness-request-rows"  # worker -> master: a list of rows

log = logging.getLogger(__name__)


class RowsLogged:
    """A hook like Locust's ``EventHook`` (importing Locust here would monkey-patch importers)."""

    def __init__(self) -> None:
        self.listeners: list[Callable[..., None]] = []

    def add_listener(self, listener: Callable[..., None]) -> None:
        self.listeners.append(listener)

    def fire(self, **kwargs: Any) -> None:
        for listener in self.listeners:
            try:
                listener(**kwargs)
            except Exception:  # a display must never stop the log
                log.exception("rows_logged listener failed")


rows_logged = RowsLogged()
"""Fired with ``rows=[row, ...]`` after each batch is written (in the process that writes)."""


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


def raw_row(
    start_time: float,
    response_time: float,
    request_type: str,
    name: str,
    response: Any,
    response_length: int,
    exception: BaseException | None,
    user: str,
) -> tuple[Any, ...]:
    """A request's row before formatting: the cheap part, done once per request.

    Numbers stay numbers and ``X-Cache`` stays whole; :func:`format_row` does the rest when
    the batch is written (on the master, for rows relayed by workers).
    """
    status, x_cache, origin, pop = 0, "", "", ""
    if response is not None:
        status = getattr(response, "status_code", 0) or 0
        headers = getattr(response, "headers", None)
        if headers is not None:
            x_cache = _header(headers, "X-Cache")
            origin = _header(headers, "X-Origin-Id")
            pop = _header(headers, "X-Amz-Cf-Pop")
    return (start_time, response_time, request_type, name, int(status),
            0 if exception is not None else 1, int(response_length or 0), x_cache, origin, pop, user,
            error_line(exception))


def format_row(row: tuple[Any, ...] | list[Any]) -> tuple[Any, ...]:
    """A raw row as written to ``requests.csv`` (column order of :data:`COLUMNS`)."""
    ts, latency, method, name, status, ok, size, x_cache, origin, pop, user, error = row
    return (f"{float(ts):.6f}", f"{float(latency):.3f}", method, name, status, ok, size,
            str(x_cache).split(" ", 1)[0],  # "Hit from cloudfront" -> "Hit"
            origin, pop, user, error)


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
    return format_row(raw_row(start_time, response_time, request_type, name, response,
                              response_length, exception, user))


def event_row(
    *,
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    response: Any = None,
    context: dict[str, Any] | None = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_kwargs: Any,
) -> tuple[Any, ...]:
    """The raw row of one request, from the keyword arguments of Locust's ``request`` event.

    An open-model request (``context["intended"]``, locustfiles/users.py) is logged at the time
    it was due, with its latency counted from then: queueing before the send included."""
    start = start_time if start_time is not None else 0.0
    latency = response_time or 0.0
    intended = (context or {}).get("intended")
    if intended is not None and start:
        latency = max(latency, (start + latency / 1000.0 - float(intended)) * 1000.0)
        start = float(intended)
    return raw_row(start, latency, request_type, name, response, response_length, exception,
                   (context or {}).get("user", ""))


class RequestLog:
    """Buffered writer of request rows to one CSV file (header written when the file is new)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        # One O_APPEND write() per flush: Linux appends each call whole, so even two writers
        # sharing the file by mistake never interleave half lines.
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size == 0:
            self._write([COLUMNS])  # the header, as is
        self._flusher: gevent.Greenlet | None = None

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        assert self._fd is not None
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        data = text.getvalue().encode("utf-8")
        while data:  # a regular file takes it all at once; loop only for the odd short write
            data = data[os.write(self._fd, data):]

    def on_request(self, **event: Any) -> None:
        """Listener for ``events.request``: record one row (no IO here)."""
        self.rows.append(event_row(**event))

    def flush(self) -> None:
        """Write every buffered row."""
        if self._fd is None:
            return
        raw, self.rows = self.rows, []
        if raw:
            rows = [format_row(row) for row in raw]
            self._write(rows)
            self.written += len(rows)
            rows_logged.fire(rows=rows)

    def on_relayed(self, msg: Any, **_kwargs: Any) -> None:
        """Master side of ``RowRelay``: a batch of rows from a worker (no IO here)."""
        self.rows.extend(msg.data or ())

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

