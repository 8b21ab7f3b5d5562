"""One emulated POP: asks the pure core what to do with a viewer request, renders the
answer, logs it.

Per request: refuse what CloudFront refuses (:mod:`edge.core.limits`), match the
cache behaviour, enforce AllowedMethods, look the cache key up; a fresh object is
a hit, answered synchronously by :meth:`Pop.try_hit` (the hot path: no task, no
await, pre-rendered headers); everything else goes through :class:`edge.pop.fill.Filler`
(origin, revalidation, stale serving, collapsing, custom error pages). Every
request ends with one access-log record and a stats increment.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from email.utils import parsedate_to_datetime

from edge.config.model import Distribution
from edge.core.cache import Cache, CacheEntry
from edge.core.cachekey import cache_key
from edge.core.fetcher import Fetcher
from edge.core.limits import request_refusal
from edge.core.matching import match_behavior
from edge.core.outcome import Outcome, from_entry, generated
from edge.core.ranges import ranged
from edge.core.responses import new_request_id, via_value
from edge.core.staleness import serve_while_revalidating
from edge.core.viewer_http import ViewerRequest, head_block
from edge.pop.accesslog import AccessLog, AccessRecord
from edge.pop.fill import Filler
from edge.pop.stats import Stats
from edge.pop.tier import RegionalTier
from edge.security.features import EdgeSecurity

DEFAULT_POP = "EMU50-C1"
_WORDS = ("Hit", "RefreshHit", "Miss", "Error")
_CLOSE = b"Connection: close\r\n"
_KEEP = b"Connection: keep-alive\r\n"  # HTTP/1.0 viewers need to be told
# The end of the X-Amz-Cf-Id line and the Age line, for the first hour of an object's life.
_AGE_LINES = [b"\r\nAge: %d\r\n" % n for n in range(3600)]


class Pop:
    """One emulated POP serving one distribution: its own cache, its own ``X-Amz-Cf-Pop``."""

    def __init__(self, distribution: Distribution, upstream: Fetcher, log: AccessLog,
                 pop: str = DEFAULT_POP, cache: Cache | None = None,
                 collapse: bool = True, tier: RegionalTier | None = None) -> None:
        self.distribution = distribution
        self.upstream = upstream
        self.log = log
        self.pop = pop
        self.cache = cache if cache is not None else Cache()
        self.stats = Stats()
        self.filler = Filler(distribution, upstream, self.stats, collapse, tier)
        via = via_value()
        # Everything after the stored headers that only varies by result word, rendered once.
        self._tail = {word: (f"X-Cache: {word} from cloudfront\r\nVia: {via}\r\n"
                             f"X-Amz-Cf-Pop: {pop}\r\nX-Amz-Cf-Id: ").encode("latin-1")
                      for word in _WORDS}
        self._behaviors = distribution.behaviors
        self._default = distribution.default_behavior
        self._background: set[asyncio.Task[Outcome]] = set()
        self._root = distribution.default_root_object
        self.security: EdgeSecurity | None = None  # OAC signing and FLE (edge/security/features.py)

    def _root_object(self, request: ViewerRequest) -> None:
        """``/`` (with or without a query) asks for the DefaultRootObject."""
        raw = request.raw_path
        if raw == "/" or raw.startswith("/?"):
            request.raw_path = "/" + self._root + raw[1:]

    # -- the hot path ------------------------------------------------------------------
    def try_hit(self, request: ViewerRequest, started: float) -> bytes | None:
        """The full response for a fresh cached object, or None when it needs more work."""
        method = request.method
        if self._root:
            self._root_object(request)
        if request.content_length or request.chunked:
            return None
        path, _, query = request.raw_path.partition("?")
        behavior = match_behavior(self._behaviors, self._default, path)
        if method not in behavior.cached_methods or method not in behavior.allowed_methods \
                or behavior.policy.caching_disabled:
            return None
        now = time.time()
        key = cache_key(behavior.policy, method, request.headers.get("Host", ""), path, query,
                        request.headers)
        entry = self.cache.lookup(key, now)
        if entry is None or "Range" in request.headers:
            return None
        word = "Error" if entry.is_error else "Hit"
        request_id = new_request_id()
        if not entry.is_error and (entry.etag or entry.last_modified) and \
                viewer_has_it(request.headers.get("If-None-Match"),
                              request.headers.get("If-Modified-Since"), entry):
            entry = not_modified(entry)
        data = self._render_entry(entry, word, request_id, now, request)
        self.stats.count(word, word, entry.status, entry.origin_id)
        self._log(request, entry.status, word, word, word, request_id, len(data), now,
                  started, entry.content_type, len(entry.body), None)
        return data

    def _render_entry(self, entry: CacheEntry, word: str, request_id: str, now: float,
                      request: ViewerRequest) -> bytes:
        # Only the request ID and Age are new bytes; everything else was rendered earlier.
        age = int(now - entry.stored_at)
        age_line = _AGE_LINES[age] if 0 <= age < len(_AGE_LINES) else \
            b"\r\nAge: %d\r\n" % max(0, age)
        length_line = entry.length_line or b"Content-Length: %d\r\n" % len(entry.body)
        return b"".join((entry.head, self._tail[word], request_id.encode("ascii"), age_line,
                         length_line, _connection(request), b"\r\n",
                         b"" if request.method == "HEAD" else entry.body))

    # -- everything else -----------------------------------------------------------------
    async def respond(self, request: ViewerRequest, started: float,
                      deliver: Callable[[bytes], bool]) -> None:
        """Answer ``request`` through ``deliver`` (False: the viewer is gone), then log it."""
        now = time.time()
        request_id = new_request_id()
        outcome = await self._decide(request, request_id, now)
        if outcome.status == 200 and request.method == "GET":
            range_header = request.headers.get("Range")
            if range_header is not None:
                outcome, served = ranged(outcome, range_header)
                outcome.range = served
        data = self.render(outcome, request_id, request)
        status, result, detailed = outcome.status, outcome.result_type, outcome.detailed
        response_result = outcome.response_result_type
        if not deliver(data):
            # The viewer hung up while we waited on the origin: CloudFront logs status 000.
            response_result, status, result, detailed = result, 0, "Error", "ClientHungUpRequest"
        self.stats.count(result, detailed, status, outcome.origin_id)
        self._log(request, status, result, detailed, response_result, request_id, len(data),
                  time.time(), started, outcome.content_type, len(outcome.body), outcome)

    async def _decide(self, request: ViewerRequest, request_id: str, now: float) -> Outcome:
        refusal = request_refusal(request)
        if refusal is not None:
            request.keep_alive = False  # as CloudFront: answer, then close
            return generated(refusal.status, refusal.detailed, request_id, refusal.reason)
        path, _, query = request.raw_path.partition("?")
        behavior = match_behavior(self._behaviors, self._default, path)
        method = request.method
        if method not in behavior.allowed_methods:
            return generated(403, "InvalidRequestMethod", request_id)
        if self.security is not None and self.security.applies(behavior, method):
            # Field-level encryption: a 400, or the origin fetch with the fields encrypted.
            return await self.security.with_fle(behavior, request, request_id, lambda: self.filler.miss(
                request, behavior, None, self.cache, request_id, None))
        key = None
        if method in behavior.cached_methods and not behavior.policy.caching_disabled:
            key = cache_key(behavior.policy, method, request.host, path, query, request.headers)
        entry = self.cache.peek(key) if key is not None else None
        if entry is not None and key is not None:
            if entry.fresh(now):
                return from_entry(entry, now)
            if serve_while_revalidating(entry, now):
                task = asyncio.ensure_future(
                    self.filler.miss(request, behavior, key, self.cache, request_id, entry))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                return from_entry(entry, now, "Hit")
        return await self.filler.miss(request, behavior, key, self.cache, request_id, entry)

    def render(self, outcome: Outcome, request_id: str, request: ViewerRequest) -> bytes:
        """The response bytes of ``outcome`` for this viewer."""
        head = outcome.head or head_block(outcome.status, outcome.headers)
        age = f"Age: {outcome.age}\r\n" if outcome.age is not None else ""
        body = outcome.body
        length = outcome.head_length if outcome.head_length is not None else len(body)
        tail = f"{request_id}\r\n{age}Content-Length: {length}\r\n".encode("latin-1")
        close = _connection(request)
        if request.method == "HEAD":
            body = b""
        return b"".join((head, self._tail[outcome.result_type], tail, close, b"\r\n", body))

    def reject(self, request: ViewerRequest, status: int, detailed: str, reason: str,
               started: float) -> bytes:
        """Answer (and log) a request the HTTP layer refused before it reached the cache."""
        request.keep_alive = False
        request_id = new_request_id()
        lead = "Request too large" if status == 413 else "Bad request"
        outcome = generated(status, detailed, request_id, f"{lead}: {reason}.")
        data = self.render(outcome, request_id, request)
        self.stats.count("Error", detailed, status, "")
        self._log(request, status, "Error", detailed, "Error", request_id, len(data),
                  time.time(), started, "text/html", len(outcome.body), outcome)
        return data

    def _log(self, request: ViewerRequest, status: int, result: str, detailed: str,
             response_result: str, request_id: str, sc_bytes: int, now: float, started: float,
             content_type: str | None, content_len: int, outcome: Outcome | None) -> None:
        if not self.log.enabled:
            return
        fetch = outcome.fetch if outcome is not None else None
        headers = request.headers
        path, _, query = request.raw_path.partition("?")
        taken = time.monotonic() - started
        peer = request.peer
        host = headers.get("Host", "")
        self.log.add(AccessRecord(
            now, self.pop, sc_bytes, peer[0], request.method, host, path,
            status, headers.get("Referer"), headers.get("User-Agent"), query,
            headers.get("Cookie"), result, request_id, host, "http",
            request.head_bytes + len(request.body), taken, headers.get("X-Forwarded-For"),
            None, None, response_result, request.version,
            outcome.fle_status if outcome is not None else None,
            outcome.fle_encrypted_fields if outcome is not None else None, peer[1], taken, detailed,
            content_type, content_len,
            outcome.range[0] if outcome is not None and outcome.range else None,
            outcome.range[1] if outcome is not None and outcome.range else None,
            fetch.attempts_text if fetch else None, fetch.failover_reason if fetch else None,
        ))


def viewer_has_it(if_none_match: str | None, if_modified_since: str | None,
                  entry: CacheEntry) -> bool:
    """Does the viewer's conditional request match the cached object (RFC 9110 13.1)?

    If-None-Match wins when present (weak comparison, ``*`` matches anything); otherwise
    If-Modified-Since against the stored Last-Modified.
    """
    if if_none_match is not None:
        if entry.etag is None:
            return False  # no ETag stored: CloudFront ignores the viewer's If-None-Match
        if if_none_match.strip() == "*":
            return True
        bare = entry.etag.removeprefix("W/")
        return any(c.strip().removeprefix("W/") == bare for c in if_none_match.split(","))
    if if_modified_since is None or entry.last_modified is None:
        return False
    try:
        return parsedate_to_datetime(entry.last_modified) <= parsedate_to_datetime(
            if_modified_since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False


def not_modified(entry: CacheEntry) -> CacheEntry:
    """The 304 a viewer's matching If-None-Match gets instead of ``entry`` (no body)."""
    headers = tuple((k, v) for k, v in entry.headers
                    if k.lower() not in ("content-type", "content-encoding", "content-language"))
    return replace(entry, status=304, headers=headers, body=b"",
                   head=head_block(304, headers), length_line=b"")


def _connection(request: ViewerRequest) -> bytes:
    """The Connection header line, when one is needed."""
    if not request.keep_alive:
        return _CLOSE
    return b"" if request.version == "HTTP/1.1" else _KEEP
