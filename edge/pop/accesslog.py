"""The edge access log: records kept as the request path gives them, written in the background.

Records are kept in memory as they come and formatted (:mod:`edge.pop.logline`) and written
by a background flush at least once a second and on close, so the request path never makes
a syscall for logging.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO

from edge.core.outcome import Outcome
from edge.core.viewer_http import ViewerRequest
from edge.pop.logline import HEADER, RECORD_WIDTH, format_lines
from edge.pop.loop_health import HEALTH


class AccessLog:
    """Buffered writer of an access log file (or a no-op without a path).

    Records are formatted on the event loop, a slice at a time, and written by one thread of
    their own, in order: a write that the kernel holds up (dirty pages being written back
    under a long run's log) never holds up viewers (``make bench`` saw one slice take 53 ms
    while it wrote on the loop).
    """

    def __init__(self, path: str | None, flush_interval: float = 0.5) -> None:
        # Two lists for the life of the log, taking turns: records go into one while the
        # other is written out, then emptied in place. A list made anew each flush would be
        # young, and each of the collector's young collections would walk every record in it
        # (a half-second of records at full load: 30,000 of them, about 0.4 ms each time).
        self._pending: list[object] = []  # RECORD_WIDTH values a record, one after the other
        self._spare: list[object] | None = []  # None while its turn is being written
        self._file: IO[str] | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self.flush_interval = flush_interval
        if path:
            self._file = open(path, "a", encoding="utf-8")
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="access-log")
            if self._file.tell() == 0:
                self._file.write(HEADER)
                self._file.flush()

    @property
    def enabled(self) -> bool:
        """False without a path: callers skip building records at all."""
        return self._file is not None

    def add(self, record: tuple[object, ...]) -> None:
        if self._file is not None:
            if len(record) != RECORD_WIDTH:  # one short record would shift every line after it
                raise ValueError(f"an access-log record has {len(record)} values, not {RECORD_WIDTH}")
            self._pending.extend(record)

    def _write_out(self, text: str) -> None:
        """In the writer thread (the only one that writes after start-up)."""
        assert self._file is not None
        self._file.write(text)
        self._file.flush()

    def flush(self) -> None:
        """Write everything pending, and return once it is written."""
        if self._file is None or self._writer is None:
            return
        batch = self._take()
        text = format_lines(batch, 0, len(batch))
        self._give_back(batch)
        self._writer.submit(self._write_out, text).result()  # after any slice still being written

    def _take(self) -> list[object]:
        """What is pending; new records go to the spare list from now on (a new one if the
        spare is still being written)."""
        batch, self._pending = self._pending, self._spare if self._spare is not None else []
        self._spare = None
        return batch

    def _give_back(self, batch: list[object]) -> None:
        batch.clear()
        self._spare = batch

    def start(self) -> None:
        """Begin flushing in the background on the running event loop."""
        if self._file is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self._flush_in_slices()

    async def _flush_in_slices(self, size: int = 256) -> None:
        """Format what is pending a slice at a time, letting requests run in between (a
        half-second of records at full load takes tens of milliseconds to format), each
        slice written by the writer thread while the loop goes on."""
        if self._file is None or self._writer is None or not self._pending:
            return
        batch = self._take()
        loop = asyncio.get_running_loop()
        done, step = 0, size * RECORD_WIDTH
        try:
            while done < len(batch):
                started = time.perf_counter()
                text = format_lines(batch, done, min(done + step, len(batch)))
                done += step
                HEALTH.held(time.perf_counter() - started, "access log")
                await loop.run_in_executor(self._writer, self._write_out, text)
        finally:  # cancelled by close(): the rest of this batch is written all the same, after
            if done < len(batch):
                self._writer.submit(self._write_out, format_lines(batch, done, len(batch)))
            self._give_back(batch)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self.flush()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None


def log_request(log: AccessLog, pop: str, request: ViewerRequest, *, status: int, result: str,
                detailed: str, response_result: str, request_id: str, sc_bytes: int, now: float,
                started: float, content_type: str | None, content_len: int,
                outcome: Outcome | None) -> None:
    """Add the record of one answered (or refused, or abandoned) request to ``log``."""
    if not log.enabled:
        return
    fetch = outcome.fetch if outcome is not None else None
    headers = request.headers
    path, _, query = request.raw_path.partition("?")
    taken = time.monotonic() - started
    peer = request.peer
    host = headers.get("Host", "")
    known = outcome is not None
    tls = request.tls
    # Positional, in log-field order (a comment names each): keyword arguments cost 1.1 us
    # more per record, about 7 % of the hits a core serves (BENCHMARKS.md). Every field is
    # checked by name in tests/edge/test_accesslog.py and test_shell_e2e.py.
    log.add((
        now, pop, sc_bytes, peer[0],                         # ts, edge_location, sc_bytes, c_ip
        request.method, host, path, status,                       # method, host, uri_stem, status
        headers.get("Referer"), headers.get("User-Agent"),        # referer, user_agent
        query, headers.get("Cookie"), result, request_id,         # uri_query, cookie, result_type, request_id
        host, "https" if tls else "http",                         # host_header, protocol
        request.head_bytes + len(request.body),                   # cs_bytes
        taken, headers.get("X-Forwarded-For"),                    # time_taken, forwarded_for
        tls[0] if tls else None, tls[1] if tls else None,         # ssl_protocol, ssl_cipher
        response_result, request.version,                         # response_result_type, protocol_version
        outcome.fle_status if known else None,                    # fle_status
        outcome.fle_encrypted_fields if known else None,          # fle_encrypted_fields
        peer[1], taken, detailed, content_type, content_len,      # c_port, time_to_first_byte, detailed_result_type, content_type, content_len
        outcome.range[0] if known and outcome.range else None,    # range_start
        outcome.range[1] if known and outcome.range else None,    # range_end
        fetch.attempts_text if fetch else None,                   # origin_attempts
        fetch.failover_reason if fetch else None,                 # failover_reason
        request.code_ms or None,                                  # edge_code_ms
    ))
