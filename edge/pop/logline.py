"""One access-log line: CloudFront's standard log format plus three emulator columns.

``#Version: 1.0`` and ``#Fields:`` headers, then one tab-separated line per
viewer request, ``-`` for empty values, the 33 standard fields in CloudFront's
order followed by ``x-origin-attempts`` (``primary:503|secondary:200``),
``x-failover-reason`` (``status-503``, ``connect-error``, ``timeout`` or ``-``) and
``x-edge-code-ms`` (milliseconds spent in CloudFront Functions, CPU, and Lambda@Edge
handlers, wall clock, for this request; ``-`` when none ran).

No IO here: the fields, a record's values, and the text of its line (:func:`format_record`,
and :func:`format_lines` for many at once from kept templates). :mod:`edge.pop.accesslog` keeps the
records and writes them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

from edge.core.memo import Memo

STANDARD_FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)",
    "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes",
    "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields",
    "c-port", "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type",
    "sc-content-len", "sc-range-start", "sc-range-end",
)
EMULATOR_FIELDS = ("x-origin-attempts", "x-failover-reason", "x-edge-code-ms")
FIELDS = STANDARD_FIELDS + EMULATOR_FIELDS
HEADER = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"


RECORD_WIDTH = len(FIELDS) - 1  # values a record holds: ``date`` and ``time`` are one timestamp

class AccessRecord(NamedTuple):
    """One viewer request, in log-field order (``date``/``time`` come from ``ts``).

    The request path hands :meth:`edge.pop.accesslog.AccessLog.add` a plain ``tuple`` of these values in this
    order (``log_request``), not an instance, and the log keeps the values, not the tuple
    (a preallocated list, :data:`RECORD_WIDTH` values a record, or :data:`HIT_WIDTH` for a hit
    from a head seen before, ``log_hit``): a record kept as an object would be
    walked by the collector's next young collection, 35 references each, and half a second of
    them made every young collection at full load cost about 0.4 ms
    (edge/pop/loop_health.py). Tests build instances; :func:`format_record` takes any
    sequence of the values."""

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
    edge_code_ms: float | None = None


_TEXT_MEMO: dict[str, str] = {}


def _text(value: str | None) -> str:
    """A free-text field: ``-`` when empty; spaces and control characters URL-encoded."""
    if not value:
        return "-"
    # The same hosts, paths and user agents come back all the time: encode each once.
    known = _TEXT_MEMO.get(value)
    if known is None:
        known = value
        if not value.isprintable() or " " in value:
            known = (value.replace("%", "%25").replace(" ", "%20").replace("\t", "%09")
                     .replace("\n", "%0A").replace("\r", "%0D"))
        if len(_TEXT_MEMO) >= 8192:
            _TEXT_MEMO.clear()
        _TEXT_MEMO[value] = known
    return known


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


_last_stamp: tuple[int, str] = (-1, "")


def _stamp(second: int) -> str:
    """``date<TAB>time`` in UTC; many records share a second, so remember the last one."""
    global _last_stamp
    if _last_stamp[0] != second:
        _last_stamp = (second, time.strftime("%Y-%m-%d\t%H:%M:%S", time.gmtime(second)))
    return _last_stamp[1]


def format_record(r: Sequence[object]) -> str:
    """The log line (without newline) for one record (an :class:`AccessRecord` or the plain
    tuple of its values), fields in FIELDS order."""
    # One f-string, field by field, the usually-empty fields tested inline: this runs for
    # every request, so no generic reflection and few calls.
    (ts, edge_location, sc_bytes, c_ip, method, host, uri_stem, status, referer, user_agent, uri_query,
     cookie, result_type, request_id, host_header, protocol, cs_bytes, time_taken, forwarded_for,
     ssl_protocol, ssl_cipher, response_result_type, protocol_version, fle_status, fle_encrypted_fields,
     c_port, time_to_first_byte, detailed_result_type, content_type, content_len, range_start, range_end,
     origin_attempts, failover_reason, edge_code_ms) = r
    t, o = _text, _opt
    taken = f"{time_taken:.3f}"
    first_byte = taken if time_to_first_byte == time_taken else f"{time_to_first_byte:.3f}"
    return (
        f"{_stamp(int(ts))}\t{edge_location}\t{sc_bytes}\t{c_ip}\t{method}\t"
        f"{t(host)}\t{t(uri_stem)}\t{status:03d}\t{t(referer)}\t{t(user_agent)}\t"
        f"{t(uri_query)}\t{t(cookie)}\t{result_type}\t{request_id}\t"
        f"{t(host_header)}\t{protocol}\t{cs_bytes}\t{taken}\t"
        f"{t(forwarded_for)}\t{'-' if ssl_protocol is None else o(ssl_protocol)}\t"
        f"{'-' if ssl_cipher is None else o(ssl_cipher)}\t"
        f"{response_result_type}\t{protocol_version}\t"
        f"{'-' if fle_status is None else o(fle_status)}\t"
        f"{'-' if fle_encrypted_fields is None else o(fle_encrypted_fields)}\t"
        f"{c_port}\t{first_byte}\t{detailed_result_type}\t{t(content_type)}\t"
        f"{'-' if content_len is None else content_len}\t"
        f"{'-' if range_start is None else range_start}\t"
        f"{'-' if range_end is None else range_end}\t"
        f"{'-' if origin_attempts is None else o(origin_attempts)}\t"
        f"{'-' if failover_reason is None else o(failover_reason)}\t"
        f"{'-' if edge_code_ms is None else f'{edge_code_ms:.3f}'}"
    )


def parse_line(line: str) -> dict[str, str]:
    """A log line back into ``{field: value}`` (for tests and tools)."""
    return dict(zip(FIELDS, line.rstrip("\n").split("\t")))


# Record positions that differ from one request to the next even when everything else repeats
# (a load generator asking for one object, or for many of the same kind): ts, sc-bytes, the
# URI stem and query, request id, time taken, c-port, time to first byte, edge code ms. The
# rest of a line is formatted once per distinct combination and kept (:data:`_TEMPLATES`); a
# hit's line is then its template with these filled in: 1.7 us a line against 2.7-2.9 formatting
# it whole (timeit, 256 hit records on one object or on 10,000).
_TEMPLATES: Memo[tuple[object, ...], tuple[str, ...]] = Memo(4096)


def _template(key: tuple[object, ...]) -> tuple[str, ...]:
    """The fixed parts of the line of ``key`` (a record with its varying values as None),
    or ``()`` when its line does not split into the 36 fields (then it is formatted whole)."""
    sample = list(key)
    sample[0] = sample[17] = sample[26] = 0.0
    return _between(sample, ((2, 3), (4, 7), (8, 11), (12, 14), (15, 18), (19, 26), (28, 35)))


def _between(record: Sequence[object], cuts: tuple[tuple[int, int], ...], last: str = "\t") -> tuple[str, ...]:
    """The fields ``f[i:j]`` of ``record``'s line for each cut, each between tabs (the last
    ending in ``last``), or ``()`` when the line does not split into the fields."""
    f = format_record(record).split("\t")
    if len(f) != len(FIELDS):
        return ()
    parts = ["\t" + "\t".join(f[i:j]) + "\t" for i, j in cuts]
    parts[-1] = parts[-1][:-1] + last
    return tuple(parts)


HIT_WIDTH = 7  # a hit's record (edge.pop.accesslog.log_hit): its parts, then the values below


def hit_parts(record: Sequence[object]) -> tuple[str, ...]:
    """The fixed parts of the lines of hits like ``record`` (a whole record): everything but
    the time, sc-bytes, URI stem and query, request id, time taken, c-port and time to first
    byte (the time taken again), which a hit's record keeps (:data:`HIT_WIDTH` values with
    these parts, the stem and query as the request's path); ``()`` when its line does not
    split into the fields."""
    return _between(record, ((2, 3), (4, 7), (8, 11), (12, 14), (15, 18), (19, 26), (28, len(FIELDS))),
                    last="\n")


def format_lines(values: list[object], start: int, end: int) -> str:
    """The log lines of the records in ``values[start:end]`` (whole records: a record of
    :data:`RECORD_WIDTH` values, or a hit's of :data:`HIT_WIDTH` beginning with its parts),
    each the same as :func:`format_record` would write."""
    w, out, t = RECORD_WIDTH, [], _text
    i = start
    while i < end:
        hit = values[i]
        if type(hit) is tuple:  # a hit's record: parts, ts, sc_bytes, path, request_id, taken, c_port
            a, b, c, d, e, g, h = hit
            ts, sc_bytes, path, request_id, taken, c_port = values[i + 1:i + HIT_WIDTH]
            stem, _, query = path.partition("?")  # type: ignore[union-attr]
            took = f"{taken:.3f}"
            out.append(f"{_stamp(int(ts))}{a}{sc_bytes}{b}{t(stem)}{c}{t(query)}{d}{request_id}{e}"
                       f"{took}{g}{c_port}\t{took}{h}")
            i += HIT_WIDTH
            continue
        r = values[i:i + w]
        i += w
        ts, sc_bytes, stem, query, request_id, taken, c_port, first, code = (
            r[0], r[2], r[6], r[10], r[13], r[17], r[25], r[26], r[34])
        r[0] = r[2] = r[6] = r[10] = r[13] = r[17] = r[25] = r[26] = r[34] = None
        key = tuple(r)
        try:
            parts = _TEMPLATES.get(key)
            if parts is None:
                parts = _TEMPLATES.put(key, _template(key))
        except TypeError:  # a value that cannot be a key: never lose the line for it
            parts = ()
        if not parts:
            out.append(format_record(values[i - w:i]) + "\n")
            continue
        a, b, c, d, e, g, h = parts
        took = f"{taken:.3f}"
        out.append(f"{_stamp(int(ts))}{a}{sc_bytes}{b}{t(stem)}{c}{t(query)}{d}{request_id}{e}"  # type: ignore[arg-type]
                   f"{took}{g}{c_port}\t{took if first == taken else f'{first:.3f}'}{h}"
                   f"{'-' if code is None else f'{code:.3f}'}\n")
    return "".join(out)
