"""The edge access log: records kept as the request path gives them, written in the background.

Records are kept in memory as they come, formatted (:mod:`edge.pop.logline`) a slice at a
time as they gather, and written by a thread of their own, so the request path never makes
a syscall for logging.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from edge.core.memo import Memo
from edge.core.outcome import Outcome
from edge.core.viewer_http import ViewerRequest
from edge.pop.logline import HEADER, HIT_WIDTH, RECORD_WIDTH, format_lines, hit_parts
from edge.pop.loop_health import HEALTH

# Records formatted at a time (about 60 us) and slices handed to the writer thread at a time
# (about 75 KB). Formatting is work the viewers waiting on the loop wait for: in small slices
# it is spread evenly. 128 at a time (0.25 ms every fourth turn of the loop under 32
# connections) made a second mode of latency: p75 0.61-0.67 ms against p50 0.38-0.42, p99
# 1.06-1.27 ms; 32 at a time, p75 0.47-0.49 and p99 0.91 (wrk --latency, one object, c32).
SLICE_RECORDS = 32
HAND_OVER_SLICES = 8


class AccessLog:
    """Buffered writer of an access log file (or a no-op without a path).

    Records go into one preallocated chunk of :data:`SLICE_RECORDS` records, a value per slot,
    so a waiting record is no object for the collector to walk and adding one allocates
    nothing. The request that fills the chunk formats it (about 60 us, in the callback that
    answers it, so formatting keeps pace with the requests at any load); every
    :data:`HAND_OVER_SLICES` slices the lines go to a thread of their own, which writes them
    in order: a write that the kernel holds up (dirty pages written back under a long run's
    log) never holds up viewers (``make bench`` saw one write take 53 ms on the loop). What
    is pending is formatted and handed over every ``flush_interval`` and on close, so a quiet
    edge's lines are never late.

    Measured against what came before (a flat list of a half-second of records, formatted in
    slices by a task): that list was copied whole by realloc as it grew, holding the loop
    1-5 ms at a time; and the task's slices ran between turns of the loop, which under 1,024
    connections serves up to 48 times 1,024 ready sockets a turn (libuv polls again while a
    poll fills its event array), so formatting fell behind and tens of thousands of records
    waited, walked by the collector's young collections (10 ms pauses).
    """

    def __init__(self, path: str | None, flush_interval: float = 0.5,
                 slice_records: int = SLICE_RECORDS) -> None:
        self._per_slice = slice_records
        slots = slice_records * RECORD_WIDTH  # room for a slice of whole records (a hit's is smaller)
        self._chunk: list[object] = [None] * slots
        self._nones = (None,) * slots
        self._used = 0  # slots filled
        self._records = 0  # records in them
        self._texts: list[str] = []  # formatted slices not yet handed to the writer
        self._last_write: Future[None] | None = None
        self._write_error: BaseException | None = None
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

    @property
    def waiting(self) -> int:
        """Records not yet formatted (fewer than a slice)."""
        return self._records

    @property
    def held(self) -> int:
        """Slices formatted, not yet handed to the writer (fewer than HAND_OVER_SLICES)."""
        return len(self._texts)

    def add(self, record: tuple[object, ...]) -> None:
        if self._file is not None:
            if len(record) != RECORD_WIDTH:  # one short record would shift every line after it
                raise ValueError(f"an access-log record has {len(record)} values, not {RECORD_WIDTH}")
            self._keep(record, RECORD_WIDTH)

    def add_hit(self, record: tuple[object, ...]) -> None:
        """A hit's record from :func:`log_hit`: its line's parts and :data:`HIT_WIDTH` - 1 values."""
        if self._file is not None:
            self._keep(record, HIT_WIDTH)

    def _keep(self, record: tuple[object, ...], width: int) -> None:
        used = self._used
        self._chunk[used:used + width] = record  # same length: no resize
        self._used = used + width
        self._records += 1
        if self._records == self._per_slice:
            self._format()

    def _format(self, force: bool = False) -> None:
        """The gathered records' lines, the chunk emptied (its values let go) for the next
        ones; the lines go to the writer thread every :data:`HAND_OVER_SLICES` slices (and
        when ``force``d)."""
        used = self._used
        if used:
            try:
                self._texts.append(format_lines(self._chunk, 0, used))
            finally:  # the slice starts again empty whatever happens: never a longer list
                self._chunk[:used] = self._nones[:used]
                self._used = self._records = 0
        if self._texts and (force or len(self._texts) >= HAND_OVER_SLICES) and self._writer is not None:
            self._last_write = self._writer.submit(self._write_out, "".join(self._texts))
            self._texts = []

    def _write_out(self, text: str) -> None:
        """In the writer thread (the only one that writes after start-up)."""
        assert self._file is not None
        try:
            self._file.write(text)
            self._file.flush()
        except BaseException as exc:  # kept for flush() to raise: the thread must go on
            self._write_error = self._write_error or exc

    def flush(self) -> None:
        """Format and write everything pending, and return once it is written."""
        if self._file is None or self._writer is None:
            return
        self._format(force=True)
        if self._last_write is not None:
            self._last_write.result()  # the writer goes in order: everything before is written
        if self._write_error is not None:
            error, self._write_error = self._write_error, None
            raise error

    def start(self) -> None:
        """Begin the periodic formatting of the part-filled chunk on the running event loop."""
        if self._file is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            if self._used or self._texts:
                started = time.perf_counter()
                self._format(force=True)
                HEALTH.held(time.perf_counter() - started, "access log")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        try:
            self.flush()
        finally:
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
    if log.enabled:
        log.add(_record(pop, request, status, result, detailed, response_result, request_id, sc_bytes, now,
                        time.monotonic() - started, content_type, content_len, outcome))


# The fixed parts of hits' lines by what fixes them: the request's header block, method, HTTP
# version and head size, the POP, the viewer's address and TLS, and the answer (status,
# result, content type and length). A key is given its parts the second time it comes.
# Keyed by the whole head (path included), under 200,000 objects at random few keys came
# again and most hits were logged as whole records; keyed by the headers, the objects a
# viewer asks for share a key.
_HIT_PARTS: Memo[tuple[object, ...], tuple[str, ...]] = Memo(16384)
_ONCE = ("seen once",)


# What the memo of hits' parts may spend on keys that may never come back: each key it takes
# the first time (a marker, and an old entry evicted) costs one, and each hit its parts served
# earns one back; parts are made for a key's second time whatever is left. Where headers
# repeat, it never runs out; where they seldom do (keyed by whole heads, 200,000 objects at
# random: 6 % of hits took a new key, 0.4 % were served from one), it does, and the memo then
# takes a new key only for each hit it served. Keeping keys that never paid back had cost
# 9-15 % of those hits (an interleaved A/B against the same edge without the short record).
CREDIT_START = 2048  # enough to remember a first few thousand heads; what they serve earns more
CREDIT_MAX = 16384
_credit = CREDIT_START


def log_hit(log: AccessLog, pop: str, request: ViewerRequest, *, status: int, word: str, request_id: str,
            sc_bytes: int, now: float, started: float, content_type: str | None, content_len: int) -> None:
    """:func:`log_request` for a hit answered from the cache: the same line. Headers seen before
    (``request.block_key``) that ran no edge code give, under one request method, HTTP version
    and head size, the same line but for seven values (the path among them, so the objects a
    viewer asks for share one key), so the record keeps those and the parts of the line made
    once (edge.pop.logline.hit_parts): 1.57 us to build, keep, format and write against 2.63
    for a whole record (one process)."""
    global _credit
    if not log.enabled:
        return
    block, peer = request.block_key, request.peer
    if block is not None and not request.code_ms:
        key = (block, request.method, request.version, request.head_bytes, pop, peer[0], request.tls,
               status, word, content_type, content_len)
        parts = _HIT_PARTS.get(key)
        if parts is None:  # the first time: the whole record, and the key marked if affordable
            if _credit > 0:
                _credit -= 1
                _HIT_PARTS.put(key, _ONCE)
        elif parts is _ONCE:  # the second: its parts, kept
            parts = _HIT_PARTS.put(key, hit_parts(_record(
                pop, request, status, word, word, word, "", 0, 0.0, 0.0, content_type, content_len, None)))
        elif _credit < CREDIT_MAX:
            _credit += 1
        if parts:  # () when its line does not split into the fields
            log.add_hit((parts, now, sc_bytes, request.raw_path, request_id, time.monotonic() - started, peer[1]))
            return
    log.add(_record(pop, request, status, word, word, word, request_id, sc_bytes, now,
                    time.monotonic() - started, content_type, content_len, None))


def _record(pop: str, request: ViewerRequest, status: int, result: str, detailed: str, response_result: str,
            request_id: str, sc_bytes: int, now: float, taken: float, content_type: str | None,
            content_len: int, outcome: Outcome | None) -> tuple[object, ...]:
    """One request's record: its values in log-field order."""
    fetch = outcome.fetch if outcome is not None else None
    headers = request.headers
    path, _, query = request.raw_path.partition("?")
    peer = request.peer
    host = headers.get("Host", "")
    known = outcome is not None
    tls = request.tls
    # Positional, in log-field order (a comment names each): keyword arguments cost 1.1 us
    # more per record, about 7 % of the hits a core serves (BENCHMARKS.md). Every field is
    # checked by name in tests/edge/test_accesslog.py and test_shell_e2e.py.
    return (
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
    )
