"""One emulated POP: the request pipeline, from viewer request to logged answer.

The pipeline, in the order a viewer request meets it (each stage may answer):

 1. refusal   what CloudFront refuses outright: a GET/HEAD with a body is 403
              (:mod:`edge.core.limits`; malformed heads never get here: the codec answers 400/413);
              a plain-HTTP request to a behaviour that wants HTTPS: 301 or 403
              (:mod:`edge.core.viewer_protocol_policy`)
 2. route     DefaultRootObject, then the cache behaviour by PathPattern, then (for an allowed
              method) the behaviour's viewer-request CloudFront function, which may change the
              request or answer it (:mod:`edge.pop.edge_code`), then the cache key: computed
              once per request, as a :class:`Route` (:meth:`Pop.route`)
 3. methods   AllowedMethods: 403 InvalidRequestMethod; a CORS preflight the response headers
              policy answers itself (OriginOverride) gets its answer here
 4. FLE       field-level encryption of POST/PUT form fields (:mod:`edge.security`): 400,
              or the origin fetch with the fields encrypted (never cached)
 5. lookup    a fresh cached object is a Hit. For a request without a body this stage runs
              first, synchronously, in :meth:`Pop.try_hit` (the hot path: no task, no await,
              pre-rendered headers); a hit cannot be refused by stages 1-4, since a bodiless
              request passes 1, a cached method is an allowed one, and FLE never caches
 6. stale     stale-while-revalidate: the expired object now, one refresh in the background
 7. fill      :class:`edge.pop.fill.Filler`: origin (and failover), revalidation,
              stale-if-error, custom error pages, compression, storage

Then a Range header is served from the whole object, the response headers policy is applied
(:mod:`edge.core.response_headers`; its per-object part is kept, so a hit pays for it once),
the answer is rendered, delivered and logged (one access-log record and one stats increment
per request, in every case).
"""

from __future__ import annotations

import asyncio
import sys
import time
import traceback
from collections.abc import Callable, Mapping

from edge.config.model import Distribution
from edge.core.cache import Cache, CacheEntry
from edge.core.conditional import not_modified, viewer_has_it
from edge.core.fetcher import Fetcher
from edge.core.limits import request_refusal
from edge.core.matching import match_behavior
from edge.core.outcome import Outcome, from_entry, generated
from edge.core.ranges import ranged
from edge.core.response_headers import (
    Headers,
    is_preflight,
    preflight_headers,
)
from edge.core.responses import new_request_id
from edge.core.staleness import serve_while_revalidating
from edge.core.viewer_context import DEFAULT_LOCATION
from edge.core.viewer_http import ViewerRequest
from edge.core.viewer_protocol_policy import plain_http_outcome
from edge.pop.accesslog import AccessLog, log_hit, log_request
from edge.pop.edge_code import EdgeCode, answered
from edge.pop.fill import Filler
from edge.pop.header_policy import PolicyHeads
from edge.pop.rendering import Renderer
from edge.pop.routing import Route, request_key, with_root_object
from edge.pop.stats import Stats
from edge.pop.tier import RegionalTier
from edge.security.features import EdgeSecurity

DEFAULT_POP = "EMU50-C1"


class Pop:
    """One emulated POP serving one distribution: its own cache, its own ``X-Amz-Cf-Pop``."""

    def __init__(self, distribution: Distribution, upstream: Fetcher, log: AccessLog,
                 pop: str = DEFAULT_POP, cache: Cache | None = None,
                 collapse: bool = True, tier: RegionalTier | None = None,
                 location: Mapping[str, str] | None = None) -> None:
        self.distribution = distribution
        self.upstream = upstream
        self.log = log
        self.pop = pop
        self.cache = cache if cache is not None else Cache()
        self.stats = Stats()
        self.location = location if location is not None else DEFAULT_LOCATION
        self.filler = Filler(distribution, upstream, self.stats, collapse, tier, self.location)
        self.policy_heads = PolicyHeads(pop, "REC" if tier is not None else "EDGE")
        self.wire = Renderer(pop)  # the answer's bytes (edge/pop/rendering.py)
        self._behaviors = distribution.behaviors
        self._default = distribution.default_behavior
        self._background: set[asyncio.Task[Outcome]] = set()
        self._root = distribution.default_root_object
        self.https_port: int | None = None  # the edge's TLS listener, where redirects point
        self.security: EdgeSecurity | None = None  # OAC signing and FLE (edge/security/features.py)
        self.edge_code: EdgeCode | None = None  # CloudFront Functions (edge/pop/edge_code.py)

    # -- stage 2, once per request -------------------------------------------------------
    def route(self, request: ViewerRequest) -> Route:
        """DefaultRootObject, the behaviour, the cache key."""
        if self._root:
            with_root_object(request, self._root)
        path, _, query = request.raw_path.partition("?")
        behavior = match_behavior(self._behaviors, self._default, path)
        method = request.method
        request_id = None
        if behavior.lambdas and behavior.lambda_for("viewer-request") and method in behavior.allowed_methods:
            return Route(behavior, None, new_request_id(), lambda_pending=True)  # keyed after the handler
        if behavior.functions and self.edge_code is not None and method in behavior.allowed_methods:
            request_id = new_request_id()
            answer = self.edge_code.viewer_request(behavior, request, request_id)
            if answer is not None:
                return Route(behavior, None, request_id, answer)
            path, _, query = request.raw_path.partition("?")
        return Route(behavior, request_key(behavior, request, path, query, self.filler.viewer), request_id)

    # -- the hot path: stage 5 first, for requests without a body --------------------------
    def try_hit(self, request: ViewerRequest, started: float) -> bytes | Route:
        """The full response for a fresh cached object, or the request's :class:`Route` when
        it needs the whole pipeline (:meth:`respond`)."""
        route = self.route(request)
        if route.key is None or route.answer is not None or route.behavior.lambdas \
                or request.content_length or request.chunked \
                or request.method not in route.behavior.allowed_methods \
                or (request.tls is None and route.behavior.viewer_protocol_policy != "allow-all"):
            return route
        now = time.time()
        entry = self.cache.lookup(route.key, now)
        if entry is None or "Range" in request.headers:
            return route
        word = "Error" if entry.is_error else "Hit"
        request_id = route.request_id or new_request_id()
        if not entry.is_error and (entry.etag or entry.last_modified) and \
                viewer_has_it(request.headers.get("If-None-Match"),
                              request.headers.get("If-Modified-Since"), entry):
            entry = not_modified(entry)
        head = entry.head
        if self.edge_code is not None and route.behavior.function_for("viewer-response"):
            answer = self.edge_code.viewer_response(route.behavior, request, entry.status, entry.headers,
                                                    request_id)
            if answer is not None:  # changed (or failed): rendered from the function's answer
                return self._hit_through_function(route, request, entry, answer, request_id, now, started)
        policy = route.behavior.response_headers_policy
        if policy is not None:
            head = self.policy_heads.head(policy, entry.status, entry.headers, head, request, word,
                                     request_id, started, None)
        data = self.wire.entry(entry, head, word, request_id, now, request)
        self.stats.count(word, word, entry.status, entry.origin_id)
        log_hit(self.log, self.pop, request, status=entry.status, word=word, request_id=request_id,
                sc_bytes=len(data), now=now, started=started, content_type=entry.content_type,
                content_len=len(entry.body))
        return data

    def _hit_through_function(self, route: Route, request: ViewerRequest, entry: CacheEntry,
                              answer: tuple[int, Headers] | Outcome, request_id: str, now: float,
                              started: float) -> bytes:
        """A hit whose viewer-response function changed the response (or failed): rendered
        from its answer (a hit it returned unchanged takes the usual path)."""
        outcome = answered(from_entry(entry, now), answer)
        policy = route.behavior.response_headers_policy
        if policy is not None:
            outcome.head = self.policy_heads.head(policy, outcome.status, outcome.headers, b"", request,
                                             outcome.result_type, request_id, started, None)
        data = self.wire.outcome(outcome, request_id, request)
        self.stats.count(outcome.result_type, outcome.detailed, outcome.status, entry.origin_id)
        log_request(self.log, self.pop, request, status=outcome.status, result=outcome.result_type, detailed=outcome.detailed,
                  response_result=outcome.response_result_type, request_id=request_id, sc_bytes=len(data),
                  now=now, started=started, content_type=outcome.content_type, content_len=len(outcome.body),
                  outcome=outcome)
        return data

    # -- everything else -----------------------------------------------------------------
    async def respond(self, request: ViewerRequest, started: float,
                      deliver: Callable[[bytes], bool], route: Route) -> None:
        """Answer ``request`` through ``deliver`` (False: the viewer is gone), then log it."""
        now = time.time()
        request_id = route.request_id or new_request_id()
        try:
            outcome = await self._decide(request, route, request_id, now)
        except asyncio.CancelledError:
            # The edge is shutting down (SIGTERM, after its grace) with this request still
            # waiting on an origin: it still gets its log line, as a hang-up (status 000),
            # so the log counts every request the edge received.
            self.stats.count("Error", "ClientHungUpRequest", 0, "")
            log_request(self.log, self.pop, request, status=0, result="Error", detailed="ClientHungUpRequest",
                      response_result="Error", request_id=request_id, sc_bytes=0, now=time.time(),
                      started=started, content_type=None, content_len=0, outcome=None)
            raise
        except Exception:  # a bug: stay loud on stderr, but the viewer gets an answer and a log line
            traceback.print_exc(file=sys.stderr)
            request.keep_alive = False
            outcome = generated(500, "Error", request_id, "The emulator failed on this request.")
        # Ranges are cut from a cached object only: a miss gets the origin's whole 200, as from
        # CloudFront when the origin ignores the forwarded range (edge/core/ranges.py).
        if outcome.status == 200 and request.method == "GET" and outcome.result_type != "Miss":
            range_header = request.headers.get("Range")
            if range_header is not None:
                outcome, served = ranged(outcome, range_header)
                outcome.range = served
        if self.edge_code is not None and route.answer is None and route.behavior.function_for("viewer-response"):
            outcome = self.edge_code.viewer_response_outcome(route.behavior, request, outcome, request_id)
        if self.edge_code is not None and route.behavior.lambda_for("viewer-response") \
                and outcome.result_type not in ("LambdaGeneratedResponse",) and not outcome.detailed.startswith("Lambda"):
            assert self.edge_code.lambdas is not None  # a behaviour with Lambda@Edge has a runner
            outcome = await self.edge_code.lambdas.viewer_response(route.behavior, request, outcome, request_id)
        policy = route.behavior.response_headers_policy
        if policy is not None:
            fetch = outcome.fetch
            outcome.head = self.policy_heads.head(
                policy, outcome.status, outcome.headers, outcome.head, request, outcome.result_type,
                request_id, started, fetch.upstream_ms if fetch is not None else None)
        data = self.wire.outcome(outcome, request_id, request)
        status, result, detailed = outcome.status, outcome.result_type, outcome.detailed
        response_result = outcome.response_result_type
        if not deliver(data):
            # The viewer hung up while we waited on the origin: CloudFront logs status 000.
            response_result, status, result, detailed = result, 0, "Error", "ClientHungUpRequest"
        self.stats.count(result, detailed, status, outcome.origin_id)
        log_request(self.log, self.pop, request, status=status, result=result, detailed=detailed,
                  response_result=response_result, request_id=request_id, sc_bytes=len(data),
                  now=time.time(), started=started, content_type=outcome.content_type,
                  content_len=len(outcome.body), outcome=outcome)

    async def _decide(self, request: ViewerRequest, route: Route, request_id: str,
                      now: float) -> Outcome:
        """Stages 1, 3, 4, 5, 6 and 7 of the pipeline (stage 2 is ``route``)."""
        refusal = request_refusal(request)  # 1
        if refusal is not None:
            request.keep_alive = False  # as CloudFront: answer, then close
            return generated(refusal.status, refusal.detailed, request_id, refusal.reason)
        if route.answer is not None:  # the viewer-request function answered (or failed)
            return route.answer
        behavior, key = route.behavior, route.key
        if route.lambda_pending and self.edge_code is not None and request.method in behavior.allowed_methods:
            assert self.edge_code.lambdas is not None  # a behaviour with Lambda@Edge has a runner
            answer = await self.edge_code.lambdas.viewer_request(behavior, request, request_id)
            if answer is not None:
                return answer
            path, _, query = request.raw_path.partition("?")
            key = route.key = request_key(behavior, request, path, query, self.filler.viewer)
        if request.tls is None and behavior.viewer_protocol_policy != "allow-all":
            answer = plain_http_outcome(behavior.viewer_protocol_policy, request.host,
                                        request.raw_path, self.https_port, request_id)
            if answer is not None:
                return answer
        if request.method not in behavior.allowed_methods:  # 3
            return generated(403, "InvalidRequestMethod", request_id)
        policy = behavior.response_headers_policy
        if policy is not None and is_preflight(request.method, request.headers):
            answer = preflight_headers(policy, request.headers)
            if answer is not None:  # the edge answers the preflight itself (logged as a Hit)
                return Outcome(200, answer, b"", "Hit", "Hit")
        if self.security is not None and self.security.applies(behavior, request.method):  # 4
            return await self.security.with_fle(behavior, request, request_id, lambda: self.filler.miss(
                request, behavior, None, self.cache, request_id, None))
        entry = self.cache.peek(key) if key is not None else None  # 5
        if entry is not None and key is not None:
            if entry.fresh(now):
                return from_entry(entry, now)
            if serve_while_revalidating(entry, now):  # 6
                task = asyncio.ensure_future(
                    self.filler.miss(request, behavior, key, self.cache, request_id, entry))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                return from_entry(entry, now, "Hit")
        return await self.filler.miss(request, behavior, key, self.cache, request_id, entry)  # 7

    def reject(self, request: ViewerRequest, status: int, detailed: str, reason: str,
               started: float) -> bytes:
        """Answer (and log) a request the HTTP layer refused before it reached the cache."""
        request.keep_alive = False
        request_id = new_request_id()
        lead = "Request too large" if status == 413 else "Bad request"
        outcome = generated(status, detailed, request_id, f"{lead}: {reason}.")
        data = self.wire.outcome(outcome, request_id, request)
        self.stats.count("Error", detailed, status, "")
        log_request(self.log, self.pop, request, status=status, result="Error", detailed=detailed, response_result="Error",
                  request_id=request_id, sc_bytes=len(data), now=time.time(), started=started,
                  content_type="text/html", content_len=len(outcome.body), outcome=outcome)
        return data

