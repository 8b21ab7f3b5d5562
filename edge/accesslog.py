"""The edge access log: CloudFront's standard log format plus two emulator columns.

``#Version: 1.0`` and ``#Fields:`` headers, then one tab-separated line per
viewer request, ``-`` for empty values, the 33 standard fields in CloudFront's
order followed by ``x-origin-attempts`` (``primary:503|secondary:200``) and
``x-failover-reason`` (``status-503``, ``connect-error``, ``timeout`` or ``-``).

Records are kept in memory as they come and formatted and written by a
background flush at least once a second and on close, so the request path
never makes a syscall for logging.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import IO

STANDARD_FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)",
    "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes",
    "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields",
    "c-port", "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type",
    "sc-content-len", "sc-range-start", "sc-range-end",
)
EMULATOR_FIELDS = ("x-origin-attempts", "x-failover-reason")
FIELDS = STANDARD_FIELDS + EMULATOR_FIELDS
HEADER = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"


@dataclass(slots=True)
class AccessRecord:
    """One viewer request, in log-field order (``date``/``time`` come from ``ts``)."""

    ts: float
    edge_location: str
    sc_bytes: int
    c_ip: str
    method: str
    host: str
    uri_stem: str
    status: int
    referer: str | None
    user_agent: str | None
    uri_query: str | None
    cookie: str | None
    result_type: str
    request_id: str
    host_header: str
    protocol: str
    cs_bytes: int
    time_taken: float
    forwarded_for: str | None
    ssl_protocol: str | None
    ssl_cipher: str | None
    response_result_type: str
    protocol_version: str
    fle_status: str | None
    fle_encrypted_fields: int | None
    c_port: int
    time_to_first_byte: float
    detailed_result_type: str
    content_type: str | None
    content_len: int | None
    range_start: int | None
    range_end: int | None
    origin_attempts: str | None
    failover_reason: str | None


def _text(value: str | None) -> str:
    """A free-text field: ``-`` when empty; spaces and control characters URL-encoded."""
    if not value:
        return "-"
    if " " in value or "\t" in value or "\n" in value:
        return (value.replace("%", "%25").replace(" ", "%20").replace("\t", "%09")
                .replace("\n", "%0A"))
    return value


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


_last_stamp: tuple[int, str] = (-1, "")


def _stamp(second: int) -> str:
    """``date<TAB>time`` in UTC; many records share a second, so remember the last one."""
    global _last_stamp
    if _last_stamp[0] != second:
        _last_stamp = (second, time.strftime("%Y-%m-%d\t%H:%M:%S", time.gmtime(second)))
    return _last_stamp[1]


def format_record(r: AccessRecord) -> str:
    """The log line (without newline) for one record, fields in FIELDS order."""
    # Written out field by field: this runs for every request, so no generic reflection.
    return "\t".join((
        _stamp(int(r.ts)), r.edge_location, str(r.sc_bytes), r.c_ip, r.method, _text(r.host),
        _text(r.uri_stem), f"{r.status:03d}", _text(r.referer), _text(r.user_agent),
        _text(r.uri_query), _text(r.cookie), r.result_type, r.request_id, _text(r.host_header),
        r.protocol, str(r.cs_bytes), f"{r.time_taken:.3f}", _text(r.forwarded_for),
        _opt(r.ssl_protocol), _opt(r.ssl_cipher), r.response_result_type, r.protocol_version,
        _opt(r.fle_status), _opt(r.fle_encrypted_fields), str(r.c_port),
        f"{r.time_to_first_byte:.3f}", r.detailed_result_type, _text(r.content_type),
        _opt(r.content_len), _opt(r.range_start), _opt(r.range_end), _opt(r.origin_attempts),
        _opt(r.failover_reason),
    ))


def parse_line(line: str) -> dict[str, str]:
    """A log line back into ``{field: value}`` (for tests and tools)."""
    return dict(zip(FIELDS, line.rstrip("\n").split("\t")))


class AccessLog:
    """Buffered writer of an access log file (or a no-op without a path)."""

    def __init__(self, path: str | None, flush_interval: float = 0.5) -> None:
        self._pending: list[AccessRecord] = []
        self._file: IO[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self.flush_interval = flush_interval
        if path:
            self._file = open(path, "a", encoding="utf-8")
            if self._file.tell() == 0:
                self._file.write(HEADER)
                self._file.flush()

    def add(self, record: AccessRecord) -> None:
        if self._file is not None:
            self._pending.append(record)

    def flush(self) -> None:
        if self._file is None or not self._pending:
            return
        batch, self._pending = self._pending, []
        self._file.write("".join(format_record(r) + "\n" for r in batch))
        self._file.flush()

    def start(self) -> None:
        """Begin flushing in the background on the running event loop."""
        if self._file is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            self.flush()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
