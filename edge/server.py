"""The viewer-facing HTTP shell: moves bytes, asks the pure core what to do.

Per request: match the cache behaviour, enforce AllowedMethods, look the cache
key up; on a hit answer from memory, on a miss fetch through :mod:`edge.upstream`
(retries, failover), decide the TTL and store. Every request ends with one
access-log record and a stats increment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web
from multidict import CIMultiDict

from edge.accesslog import AccessLog, AccessRecord
from edge.cache import Cache, CacheEntry
from edge.cachekey import cache_key
from edge.failover import viewer_error
from edge.forwarding import origin_query
from edge.matching import match_behavior
from edge.model import CacheBehavior, Distribution
from edge.responses import error_page, new_request_id, via_value
from edge.stats import Stats
from edge.ttl import storage_ttl
from edge.upstream import FetchResult, Upstream

DEFAULT_POP = "EMU50-C1"
_GENERATED_HEADERS = (("Server", "CloudFront"), ("Content-Type", "text/html"))
_X_CACHE = {word: f"{word} from cloudfront" for word in ("Hit", "RefreshHit", "Miss", "Error")}


@dataclass
class _Outcome:
    """What the edge answered, for the response headers, the log and the stats."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    result_type: str
    detailed: str
    origin_id: str = ""
    age: int | None = None
    fetch: FetchResult | None = None
    header_bytes: int = -1
    response_result_type: str = ""

    def __post_init__(self) -> None:
        if not self.response_result_type:
            self.response_result_type = self.result_type
        if self.header_bytes < 0:
            self.header_bytes = header_size(self.headers)


def header_size(headers: tuple[tuple[str, str], ...]) -> int:
    """Bytes these header lines take on the wire: name, colon, space, value, CRLF."""
    return sum(len(k) + len(v) + 4 for k, v in headers)


class Edge:
    """One emulated POP serving one distribution."""

    def __init__(self, distribution: Distribution, upstream: Upstream, log: AccessLog,
                 pop: str = DEFAULT_POP, cache: Cache | None = None) -> None:
        self.distribution = distribution
        self.upstream = upstream
        self.log = log
        self.pop = pop
        self.cache = cache or Cache()
        self.stats = Stats()
        self._via = via_value()
        # Wire size of the headers every response gets (X-Cache varies by a few bytes).
        self._added_bytes = header_size((("X-Cache", "Miss from cloudfront"), ("Via", self._via),
                                          ("X-Amz-Cf-Pop", pop), ("X-Amz-Cf-Id", "x" * 56))) + 17
        self._behaviors = distribution.behaviors
        self._default = distribution.default_behavior

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        started = time.monotonic()
        now = time.time()
        request_id = new_request_id()
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        method = request.method
        path, _, query = request.raw_path.partition("?")
        host = request.host
        behavior = match_behavior(self._behaviors, self._default, path)

        if method not in behavior.allowed_methods:
            outcome = self._generated(403, "InvalidRequestMethod", request_id)
        else:
            cacheable = method in behavior.cached_methods and not behavior.policy.caching_disabled
            key = cache_key(behavior.policy, method, host, path, query,
                            request.headers) if cacheable else None
            entry = self.cache.lookup(key, now) if key is not None else None
            if entry is not None:
                outcome = _from_cache(entry, now)
            else:
                outcome = await self._miss(request, behavior, method, key, request_id,
                                           peer[0] if peer else "127.0.0.1")

        added = [("X-Cache", _X_CACHE[outcome.result_type]), ("Via", self._via),
                 ("X-Amz-Cf-Pop", self.pop), ("X-Amz-Cf-Id", request_id)]
        if outcome.age is not None:
            added.append(("Age", str(outcome.age)))
        headers: CIMultiDict[str] = CIMultiDict(outcome.headers)
        headers.extend(added)
        response = web.Response(status=outcome.status, body=outcome.body, headers=headers)
        first_byte = 0.0
        try:
            await response.prepare(request)
            first_byte = time.monotonic() - started
            await response.write_eof()
        except ConnectionResetError:
            # The viewer hung up while we waited on the origin: CloudFront logs status 000.
            outcome.response_result_type = outcome.result_type
            outcome.status, outcome.result_type = 0, "Error"
            outcome.detailed = "ClientHungUpRequest"
        self._record(request, outcome, now, request_id, started, first_byte, query, headers, peer)
        return response

    async def _miss(self, request: web.BaseRequest, behavior: CacheBehavior, method: str,
                    key: tuple[str, ...] | None, request_id: str, client_ip: str) -> _Outcome:
        body = await request.read() if request.body_exists else None
        target = self.distribution.target(behavior.target_origin_id)
        path, _, query = request.raw_path.partition("?")
        query = origin_query(behavior, query)
        fetch = await self.upstream.fetch(target, behavior, method,
                                          f"{path}?{query}" if query else path,
                                          request.headers.items(), body, request_id, client_ip)
        for attempt in fetch.attempts:
            self.stats.origin_attempts[f"{attempt.origin_id}:{attempt.log_word}"] += 1
        if fetch.failover_reason:
            self.stats.failovers += 1
        now = time.time()
        origin_response = fetch.response
        if origin_response is None:
            status, detailed = viewer_error(fetch.failure or "reset")
            outcome = self._generated(status, detailed, request_id)
            outcome.fetch = fetch
            cache_control = expires = None
        else:
            result = "Error" if origin_response.status >= 400 else "Miss"
            outcome = _Outcome(origin_response.status, origin_response.headers,
                               origin_response.body, result, result,
                               origin_response.origin_id, fetch=fetch)
            cache_control, expires = origin_response.cache_control, origin_response.expires
        if key is not None:
            custom = self.distribution.custom_error_responses.get(outcome.status)
            ttl = storage_ttl(behavior.policy, method, outcome.status, cache_control, expires,
                              now, custom.error_caching_min_ttl if custom else None)
            if ttl:
                self.cache.store(key, CacheEntry(
                    outcome.status, outcome.headers, outcome.body, now, ttl, outcome.origin_id,
                    outcome.status >= 400, outcome.header_bytes))
        return outcome

    def _generated(self, status: int, detailed: str, request_id: str) -> _Outcome:
        return _Outcome(status, _GENERATED_HEADERS, error_page(status, request_id),
                        "Error", detailed)

    def _record(self, request: web.BaseRequest, outcome: _Outcome, now: float, request_id: str,
                started: float, first_byte: float, query: str, headers: CIMultiDict[str],
                peer: tuple[str, int] | None) -> None:
        self.stats.count(outcome.result_type, outcome.detailed, outcome.status, outcome.origin_id)
        fetch = outcome.fetch
        header_bytes = outcome.header_bytes + self._added_bytes
        rh = request.headers
        self.log.add(AccessRecord(
            ts=now, edge_location=self.pop,
            sc_bytes=header_bytes + len(outcome.body), c_ip=peer[0] if peer else "-",
            method=request.method, host=request.host, uri_stem=request.raw_path.partition("?")[0],
            status=outcome.status, referer=rh.get("Referer"), user_agent=rh.get("User-Agent"),
            uri_query=query, cookie=rh.get("Cookie"), result_type=outcome.result_type,
            request_id=request_id, host_header=request.host, protocol="http",
            cs_bytes=sum(len(k) + len(v) + 4 for k, v in request.raw_headers)
            + (request.content_length or 0),
            time_taken=time.monotonic() - started, forwarded_for=rh.get("X-Forwarded-For"),
            ssl_protocol=None, ssl_cipher=None,
            response_result_type=outcome.response_result_type,
            protocol_version=f"HTTP/{request.version.major}.{request.version.minor}",
            fle_status=None, fle_encrypted_fields=None, c_port=peer[1] if peer else 0,
            time_to_first_byte=first_byte, detailed_result_type=outcome.detailed,
            content_type=headers.get("Content-Type"), content_len=len(outcome.body),
            range_start=None, range_end=None,
            origin_attempts=fetch.attempts_text if fetch else None,
            failover_reason=fetch.failover_reason if fetch else None,
        ))


def _from_cache(entry: CacheEntry, now: float) -> _Outcome:
    result = "Error" if entry.is_error else "Hit"
    return _Outcome(entry.status, entry.headers, entry.body, result, result,
                    entry.origin_id, age=entry.age(now), header_bytes=entry.header_bytes)
