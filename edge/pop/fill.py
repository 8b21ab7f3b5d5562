"""Filling the cache: everything between a miss and the answer.

Rules of the miss path (:meth:`Filler._fill`), tried in this order; the first that
applies decides the answer:

 1. tier hit       the regional tier holds a fresh copy: ``Hit`` (``OriginShieldHit`` behind
                   Origin Shield), copied into this POP; no origin request
 2. revalidated    an expired entry with validators was fetched conditionally and the origin
                   said 304: ``RefreshHit``, the stored body with its freshness restarted
 3. stale on error an expired entry, and the origin answered 5xx or failed, inside the entry's
                   stale window (stale-if-error, or ErrorCachingMinTTL by default): the stale
                   entry (``Hit``), kept that much longer (:mod:`edge.core.staleness`)
 4. edge error     no origin answered at all (every attempt failed): CloudFront's 502/504 page
                   (:func:`edge.core.failover.viewer_error`)
 5. origin answer  what the last origin tried said: ``Miss``, or ``Error`` for >= 400;
                   compressed when the behaviour and the viewer allow
 6. custom page    an error status with a CustomErrorResponse page: that page (fetched through
                   the distribution, cached by its own behaviour) with the ResponseCode

Then storage, whatever won among 4-6: the TTL comes from the *origin's* status and headers
(error caching for errors, :func:`edge.core.ttl.storage_ttl`), and the entry goes into this
POP's cache and the tier's.

Around all of it, **request collapsing**: the first miss for a key leads; later misses for
the same key wait for its answer (``Hit``), unless the answer opts out (MinTTL 0 and
private/no-store/no-cache/max-age=0/s-maxage=0), in which case each waiter asks the origin
itself. A HEAD never leads (its answer has no body to share). ``collapse=False`` turns it off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from typing import Any

from edge.config.model import CacheBehavior, Distribution
from edge.core.cache import Cache, CacheEntry
from edge.core.cachekey import CacheKey, cache_key
from edge.core.compression import compressed, encoding_for
from edge.core.entries import make_entry, refreshed
from edge.core.failover import viewer_error
from edge.core.fetcher import Fetcher, FetchResult
from edge.core.forwarding import origin_query
from edge.core.matching import match_behavior
from edge.core.memo import Memo
from edge.core.outcome import Outcome, from_entry, generated
from edge.core.staleness import collapsible, revalidation_headers, stale_on_error
from edge.core.ttl import storage_ttl
from edge.core.viewer_context import DEFAULT_LOCATION, ViewerContext
from edge.core.viewer_http import ViewerRequest
from edge.pop.stats import Stats
from edge.pop.tier import RegionalTier


class Filler:
    """The miss path of one POP: origin fetches, revalidation, stale serving, collapsing."""

    def __init__(self, distribution: Distribution, upstream: Fetcher, stats: Stats,
                 collapse: bool = True, tier: RegionalTier | None = None,
                 location: Mapping[str, str] | None = None) -> None:
        self.distribution = distribution
        self.location = location if location is not None else DEFAULT_LOCATION
        self.edge_code: Any = None  # EdgeCode when the distribution has Lambda@Edge (edge/pop/edge_code.py)
        self.upstream = upstream
        self.stats = stats
        self.collapse = collapse
        self.tier = tier
        # With a regional tier every POP shares one map, so concurrent misses of one key
        # at several POPs still make one origin request.
        self._inflight: dict[CacheKey, asyncio.Future[Outcome | None]] = (
            tier.inflight if tier is not None else {})
        # By (address, TLS, HTTP version): a viewer's connection asks the same each request,
        # and making the frozen record took 1 us (0.25 to find it).
        self._viewers: Memo[tuple[tuple[str, int], tuple[str, str] | None, str], ViewerContext] = Memo(4096)

    def miss(self, request: ViewerRequest, behavior: CacheBehavior, key: CacheKey | None,
             cache: Cache, request_id: str, stale: CacheEntry | None) -> Coroutine[Any, Any, Outcome]:
        """Answer a request the cache could not (``stale``: the expired entry, if any)."""
        if key is None or not self.collapse:  # the fill itself: no coroutine of its own to pass its answer up
            return self._fill(request, behavior, key, cache, request_id, stale)
        return self._collapsed(request, behavior, key, cache, request_id, stale)

    async def _collapsed(self, request: ViewerRequest, behavior: CacheBehavior, key: CacheKey,
                         cache: Cache, request_id: str, stale: CacheEntry | None) -> Outcome:
        """One fill for concurrent misses of ``key``: the first leads, the others share its answer."""
        leader = self._inflight.get(key)
        if leader is not None:
            shared = await asyncio.shield(leader)
            if shared is not None:
                word = "Error" if shared.status >= 400 else "Hit"
                return Outcome(shared.status, shared.headers, shared.body, word, word,
                               shared.origin_id, age=0, head=shared.head,
                               header_bytes=shared.header_bytes,
                               content_type=shared.content_type)
            # The origin opted out of collapsing: this viewer asks it itself.
            return await self._fill(request, behavior, key, cache, request_id, cache.peek(key))
        if request.method == "HEAD":
            # A HEAD answer has no body to share with GETs of the same key: it never leads.
            return await self._fill(request, behavior, key, cache, request_id, stale)
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            outcome = await self._fill(request, behavior, key, cache, request_id, stale)
        except BaseException:
            future.set_result(None)
            raise
        finally:
            self._inflight.pop(key, None)
        cache_control = next((v for k, v in outcome.headers if k.lower() == "cache-control"), None)
        future.set_result(outcome if collapsible(behavior.policy.min_ttl, cache_control)
                          else None)
        return outcome

    async def _fill(self, request: ViewerRequest, behavior: CacheBehavior, key: CacheKey | None,
                    cache: Cache, request_id: str, stale: CacheEntry | None) -> Outcome:
        method = request.method
        tier = self.tier
        if tier is not None and key is not None:  # rule 1
            upper = tier.cache.lookup(key, time.time())
            if upper is not None:
                cache.store(key, upper)
                outcome = from_entry(upper, time.time(), "Hit")
                outcome.detailed = tier.hit_word(behavior, self.distribution)
                return outcome
        conditional = revalidation_headers(stale) if stale is not None and not stale.is_error \
            else {}
        fetch = await self._fetch(request, behavior, method, request.raw_path, request.body,
                                  request_id, conditional)
        now = time.time()
        if fetch.edge_error is not None:  # an origin-request/-response Lambda@Edge failed
            error = fetch.edge_error
            failed = generated(error.status, error.detailed, request_id, f"The Lambda function failed: {error}.")
            failed.fetch = fetch
            return failed
        response = fetch.response
        policy = behavior.policy
        if key is not None and stale is not None:
            if response is not None and response.status == 304 and conditional:  # rule 2
                entry = refreshed(stale, response.headers, policy, now)
                cache.store(key, entry)
                if tier is not None:
                    tier.cache.store(key, entry)
                return from_entry(entry, now, "RefreshHit", fetch)
            status = response.status if response is not None else None
            cer = self.distribution.custom_error_responses.get(
                status if status is not None else viewer_error(fetch.failure or "reset")[0])
            keep = stale_on_error(stale, now, status,  # rule 3
                                  cer.error_caching_min_ttl if cer else None)
            if keep is not None:
                if keep > 0:
                    cache.store(key, replace(stale, ttl=now - stale.stored_at + keep))
                return from_entry(stale, now, "Hit", fetch)
        if response is None:  # rule 4
            status, detailed = viewer_error(fetch.failure or "reset")
            outcome = generated(status, detailed, request_id)
            outcome.fetch = fetch
        else:  # rule 5
            word = "Error" if response.status >= 400 else "Miss"
            outcome = Outcome(response.status, response.headers, response.body, word,
                              "MissGeneratedResponse" if fetch.generated else word,  # an origin-request Lambda's
                              response.origin_id, fetch=fetch)
            if method == "HEAD":
                outcome.head_length = response.content_length
            elif method == "GET" and behavior.compress:
                encoding = encoding_for(outcome, policy, True,
                                        request.headers.get("Accept-Encoding"), request.version)
                if encoding is not None:
                    outcome = compressed(outcome, encoding)
        original = outcome.status
        cer = self.distribution.custom_error_responses.get(original) if original >= 400 else None
        if cer is not None and cer.response_page_path:  # rule 6
            outcome = await self._custom_page(request, outcome, cer.response_page_path,
                                              cer.response_code, cache, request_id)
        if key is not None:  # storage
            cache_control = response.cache_control if response is not None else None
            expires = response.expires if response is not None else None
            ttl = storage_ttl(policy, method, original, cache_control, expires, now,
                              cer.error_caching_min_ttl if cer else None)
            if ttl:
                entry = make_entry(outcome, now, ttl, policy)
                if original >= 400 and not entry.is_error:
                    entry = replace(entry, is_error=True)  # a custom page answering 200
                cache.store(key, entry)
                if tier is not None:
                    tier.cache.store(key, entry)
                outcome.head = entry.head
        return outcome

    async def _fetch(self, request: ViewerRequest, behavior: CacheBehavior, method: str,
                     raw_path: str, body: bytes | None, request_id: str,
                     extra: dict[str, str] | None = None) -> FetchResult:
        target = request.target or self.distribution.target(behavior.target_origin_id)  # a function may choose
        path, _, query = raw_path.partition("?")
        query = origin_query(behavior, query)
        runner = self.edge_code.lambdas if self.edge_code else None
        hooks = runner.origin_hooks(behavior, request, request_id) if runner is not None else None
        fetch = await self.upstream.fetch(target, behavior, method,
                                          f"{path}?{query}" if query else path,
                                          request.raw_headers, body or None, request_id,
                                          self.viewer(request), extra_headers=extra, hooks=hooks)
        for attempt in fetch.attempts:
            self.stats.origin_attempts[f"{attempt.origin_id}:{attempt.log_word}"] += 1
        if fetch.failover_reason:
            self.stats.failovers += 1
        return fetch

    def viewer(self, request: ViewerRequest) -> ViewerContext:
        """What the CloudFront-* headers of this request are made from."""
        tls = request.tls
        key = (request.peer, tls, request.version)
        context = self._viewers.get(key)
        if context is None:
            context = self._viewers.put(key, ViewerContext(
                ip=request.peer[0], port=request.peer[1], https=tls is not None,
                http_version=request.version.removeprefix("HTTP/"),
                tls_protocol=tls[0] if tls else None, tls_cipher=tls[1] if tls else None,
                location=self.location))
        return context

    async def _custom_page(self, request: ViewerRequest, error: Outcome, page_path: str,
                           response_code: int | None, cache: Cache, request_id: str) -> Outcome:
        """The error answered with the configured page; if the page itself cannot be
        fetched, the viewer gets the page origin's status (as CloudFront does)."""
        behavior = match_behavior(self.distribution.behaviors,
                                  self.distribution.default_behavior, page_path)
        now = time.time()
        key = None
        if "GET" in behavior.cached_methods and not behavior.policy.caching_disabled:
            key = cache_key(behavior.policy, "GET", request.host, page_path, "", {})
        page = cache.lookup(key, now) if key is not None else None
        if page is None:
            fetch = await self._fetch(request, behavior, "GET", page_path, None, request_id)
            response = fetch.response
            if response is None:
                status, detailed = viewer_error(fetch.failure or "reset")
                failed = generated(status, detailed, request_id)
                failed.fetch = error.fetch
                return failed
            page_outcome = Outcome(response.status, response.headers, response.body, "Miss",
                                   "Miss", response.origin_id)
            ttl = storage_ttl(behavior.policy, "GET", response.status, response.cache_control,
                              response.expires, now) if key is not None else None
            if ttl and key is not None and response.status < 400:
                cache.store(key, make_entry(page_outcome, now, ttl, behavior.policy))
            status, headers, body = response.status, response.headers, response.body
        else:
            status, headers, body = page.status, page.headers, page.body
        if status >= 400:
            return Outcome(status, headers, body, "Error", "Error", error.origin_id,
                           fetch=error.fetch)
        return Outcome(response_code or error.status, headers, body, "Error", error.detailed,
                       error.origin_id, fetch=error.fetch)
