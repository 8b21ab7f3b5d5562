"""The POP's CloudFront Functions stage: run the behaviour's functions and apply their answers.

- **viewer-request**, after the behaviour is matched and the method allowed, before the
  cache key: the returned request replaces the viewer's (so a changed ``uri``, query string,
  header or cookie changes the cache key), a returned response is sent as is
  (``FunctionGeneratedResponse``), and an origin helper (``cf.selectRequestOriginById``,
  ``cf.createRequestOriginGroup``, ``cf.updateRequestOrigin``) sets this request's target,
  failover criteria included.
- **viewer-response**, on every answer (hits too): the returned status and headers are sent.

A failure is the documented error answer (503 ``FunctionExecutionError`` /
``FunctionThrottledError``, 502 ``FunctionValidationError``); every invocation is counted by
function and outcome, with its CPU time, in ``/stats``.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable

from multidict import CIMultiDict, CIMultiDictProxy

from edge.compute.events import generated_response, is_response, new_request, request_event, response_part
from edge.compute.functions import CloudFrontFunction, FunctionError
from edge.compute.lambdas import (
    TIMEOUT_S,
    LambdaHandler,
    LambdaRequest,
    LambdaResponse,
    as_request,
    as_response,
    custom_origin,
    request_record,
    with_response,
)
from edge.compute.lambdas import is_response as is_lambda_response
from edge.config.model import FAILOVER_STATUS_CODES, CacheBehavior, Distribution, FailoverCriteria, Origin, Target
from edge.core.outcome import Outcome, generated
from edge.core.viewer_http import ViewerRequest, reason
from edge.pop.stats import Stats

Headers = tuple[tuple[str, str], ...]
EVENTS_KEPT = 2048  # viewer-request events (and their JSON) kept by request head


def _fail(message: str) -> FunctionError:
    return FunctionError("FunctionExecutionError", 503, message)


def origin_target(change: dict[str, Any], distribution: Distribution, behavior: CacheBehavior) -> Target:
    """The target an origin helper asked for (FunctionError when it names what is not there)."""
    origins = distribution.origins
    kind = change.get("kind")
    if kind == "select":
        origin = origins.get(str(change.get("id")))
        if origin is None:
            raise _fail(f"selectRequestOriginById({change.get('id')!r}): no such origin (known: {', '.join(origins)})")
        return Target((origin,))
    params = change.get("params") if isinstance(change.get("params"), dict) else {}
    if kind == "group":
        ids = [i.get("originId") if isinstance(i, dict) else i for i in params.get("originIds") or []]
        if len(ids) != 2 or any(i not in origins for i in ids):
            raise _fail(f"createRequestOriginGroup: originIds {ids!r} must name two origins of the distribution")
        codes = (params.get("failoverCriteria") or {}).get("statusCodes") or []
        if not codes or any(c not in FAILOVER_STATUS_CODES for c in codes):
            raise _fail(f"createRequestOriginGroup: failoverCriteria.statusCodes {codes!r} (allowed: "
                        f"{', '.join(str(c) for c in sorted(FAILOVER_STATUS_CODES))})")
        return Target((origins[ids[0]], origins[ids[1]]), FailoverCriteria(frozenset(codes)))
    base = distribution.target(behavior.target_origin_id)
    return replace(base, origins=(updated_origin(base.origins[0], params, origins), *base.origins[1:]))


_UPDATABLE = frozenset({"domainName", "originPath", "customHeaders", "connectionAttempts", "timeouts"})


def updated_origin(origin: Origin, params: dict[str, Any], origins: dict[str, Origin]) -> Origin:
    """``cf.updateRequestOrigin``: the primary origin with the given properties changed. A new
    domainName must be one of the distribution's origins (load never leaves loopback)."""
    unknown = set(params) - _UPDATABLE
    if unknown:
        raise _fail(f"updateRequestOrigin: {sorted(unknown)[0]!r} is not emulated "
                    f"(emulated: {', '.join(sorted(_UPDATABLE))})")
    if "domainName" in params:
        same = [o for o in origins.values() if o.domain_name == params["domainName"]]
        if not same:
            raise _fail(f"updateRequestOrigin: domainName {params['domainName']!r} is not an origin of the "
                        "distribution (the emulator only reaches its own origins)")
        origin = same[0]
    timeouts = origin.timeouts
    raw = params.get("timeouts") or {}
    timeouts = replace(timeouts,
                       read_timeout=int(raw.get("readTimeout", timeouts.read_timeout)),
                       connection_timeout=int(raw.get("connectionTimeout", timeouts.connection_timeout)),
                       connection_attempts=int(params.get("connectionAttempts", timeouts.connection_attempts)))
    headers = origin.custom_headers
    if "customHeaders" in params:
        headers = tuple((str(k), str(v)) for k, v in (params["customHeaders"] or {}).items())
    return replace(origin, origin_path=str(params.get("originPath", origin.origin_path)),
                   custom_headers=headers, timeouts=timeouts)


class EdgeCode:
    """The functions of one POP's distribution."""

    def __init__(self, functions: dict[str, CloudFrontFunction], distribution: Distribution,
                 stats: Stats, lambdas: LambdaRunner | None = None) -> None:
        self.functions = functions
        self.distribution = distribution
        self.stats = stats
        self.lambdas = lambdas
        self._events: dict[tuple[Any, ...], tuple[dict[str, Any], str]] = {}

    # -- Lambda@Edge on viewer events (async: the handler runs in a thread) --------------------
    async def lambda_viewer_request(self, behavior: CacheBehavior, request: ViewerRequest,
                                    request_id: str) -> Outcome | None:
        """None when the request goes on (changed in place), else the answer or the error."""
        name = behavior.lambda_for("viewer-request")
        if name is None or self.lambdas is None:
            return None
        event = request_record("viewer-request", request.method, request.raw_path, request.raw_headers,
                               request.peer[0], request_id, request.host)
        try:
            changed = await self.lambdas.run(name, "viewer-request", event, request_id,
                                             lambda r: _request_or_response(r, "viewer-request"), request)
        except FunctionError as error:
            return _lambda_error(error, request_id)
        if isinstance(changed, LambdaResponse):
            return Outcome(changed.status, (("Server", "CloudFront"), *changed.headers), changed.body or b"",
                           "LambdaGeneratedResponse", "LambdaGeneratedResponse")
        request.raw_path = changed.raw_path
        request.raw_headers = changed.headers
        request.headers = CIMultiDictProxy(CIMultiDict(changed.headers))
        return None

    async def lambda_viewer_response(self, behavior: CacheBehavior, request: ViewerRequest,
                                     outcome: Outcome, request_id: str) -> Outcome:
        name = behavior.lambda_for("viewer-response")
        if name is None or self.lambdas is None:
            return outcome
        event = with_response(request_record("viewer-response", request.method, request.raw_path,
                                             request.raw_headers, request.peer[0], request_id, request.host),
                              outcome.status, reason(outcome.status), outcome.headers)
        try:
            answer = await self.lambdas.run(name, "viewer-response", event, request_id,
                                            lambda r: as_response(r, "viewer-response"), request)
        except FunctionError as error:
            return _lambda_error(error, request_id)
        return replace(outcome, status=answer.status, headers=answer.headers, head=b"", header_bytes=-1)

    def origin_hooks(self, behavior: CacheBehavior, request: ViewerRequest, request_id: str) -> OriginHooks | None:
        """What runs around each origin attempt (origin-request before, origin-response after)."""
        before, after = behavior.lambda_for("origin-request"), behavior.lambda_for("origin-response")
        if (before is None and after is None) or self.lambdas is None:
            return None
        return OriginHooks(self.lambdas, before, after, request, request_id)

    def _event(self, request: ViewerRequest, event_type: str, status: int = 0,
               headers: Headers = ()) -> tuple[dict[str, Any], str]:
        """The event of ``request`` (with the response's ``status`` and ``headers`` for
        viewer-response) and its JSON without the request id, kept per request head and
        response: load generators and browsers repeat their heads, and building the event
        is a fifth of a trivial function's cost."""
        key = (event_type, request.method, request.raw_path, request.raw_headers, request.peer[0], status, headers)
        kept = self._events.get(key)
        if kept is None:
            event = request_event(event_type, request.method, request.raw_path, request.raw_headers,
                                  request.peer[0], "", request.host)
            if event_type == "viewer-response":
                event["response"] = response_part(status, reason(status), headers)
            if len(self._events) >= EVENTS_KEPT:
                del self._events[next(iter(self._events))]  # the oldest
            kept = self._events[key] = (event, json.dumps(event))
        event, text = kept
        return {**event, "context": dict(event["context"])}, text

    def _failed(self, name: str, error: FunctionError, request_id: str) -> Outcome:
        self.stats.function(name, error.detailed, 0.0)
        return _error(error, request_id)

    def viewer_request(self, behavior: CacheBehavior, request: ViewerRequest,
                       request_id: str) -> Outcome | None:
        """Run the viewer-request function: None when the request goes on (changed in place),
        else the answer (the function's response, or its error)."""
        name = behavior.function_for("viewer-request")
        if name is None:
            return None
        event, text = self._event(request, "viewer-request")
        event["context"]["requestId"] = request_id
        try:
            invocation = self.functions[name].run(event, text)
            request.code_ms += invocation.cpu_ms
            if invocation.origin is None and invocation.result == event["request"]:
                self.stats.function(name, "ok", invocation.cpu_ms)
                return None  # returned as it came: nothing to rebuild
            if is_response(invocation.result):
                answer = generated_response(invocation.result)
                self.stats.function(name, "FunctionGeneratedResponse", invocation.cpu_ms)
                return Outcome(answer.status, (("Server", "CloudFront"), *answer.headers), answer.body or b"",
                               "FunctionGeneratedResponse", "FunctionGeneratedResponse")
            changed = new_request(invocation.result, request.raw_headers)
            if invocation.origin is not None:
                request.target = origin_target(invocation.origin, self.distribution, behavior)
        except FunctionError as error:
            return self._failed(name, error, request_id)
        self.stats.function(name, "ok", invocation.cpu_ms)
        request.raw_path = changed.raw_path
        request.raw_headers = changed.headers
        request.headers = CIMultiDictProxy(CIMultiDict(changed.headers))
        return None

    def viewer_response(self, behavior: CacheBehavior, request: ViewerRequest, status: int,
                        headers: Headers, request_id: str) -> tuple[int, Headers] | Outcome | None:
        """Run the viewer-response function: the status and headers to send, None when it
        returned the response unchanged, or an error answer."""
        name = behavior.function_for("viewer-response")
        if name is None:
            return status, headers
        event, text = self._event(request, "viewer-response", status, headers)
        event["context"]["requestId"] = request_id
        try:
            invocation = self.functions[name].run(event, text)
            request.code_ms += invocation.cpu_ms
            if invocation.result == event["response"]:
                self.stats.function(name, "ok", invocation.cpu_ms)
                return None
            answer = generated_response(invocation.result)
        except FunctionError as error:
            return self._failed(name, error, request_id)
        self.stats.function(name, "ok", invocation.cpu_ms)
        return answer.status, answer.headers


def _error(error: FunctionError, request_id: str) -> Outcome:
    return generated(error.status, error.detailed, request_id, f"The CloudFront function failed: {error}.")


# -- Lambda@Edge --------------------------------------------------------------------------------
class _Context:
    """The ``context`` a handler gets, as far as the Lambda runtime's Python object goes."""

    def __init__(self, name: str, request_id: str, deadline: float) -> None:
        self.function_name = name
        self.function_version = "1"
        self.aws_request_id = request_id
        self.memory_limit_in_mb = 128
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaRunner:
    """Runs Lambda@Edge handlers in a thread pool, off the event loop: a slow handler never
    blocks other viewers. At most ``concurrency`` run at once (more: 503 LambdaLimitExceeded);
    each has its event's time limit (``timeout_s`` overrides the documented 5 s / 30 s)."""

    def __init__(self, handlers: dict[str, LambdaHandler], stats: Stats, concurrency: int = 64,
                 timeout_s: float | None = None) -> None:
        self.handlers = handlers
        self.stats = stats
        self.concurrency = concurrency
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="lambda")
        self._busy = 0

    async def run(self, name: str, event_type: str, event: dict[str, Any], request_id: str,
                  check: Callable[[Any], Any], request: ViewerRequest | None = None) -> Any:
        """What ``check`` makes of the handler's result; FunctionError for the documented
        failures. Every run is counted in /stats by outcome."""
        handler = self.handlers[name]
        limit = self.timeout_s or TIMEOUT_S[event_type]
        if self._busy >= self.concurrency:
            self.stats.function(name, "LambdaLimitExceeded", 0.0)
            raise FunctionError("LambdaLimitExceeded", 503, f"{name}: {self.concurrency} already running")
        context = _Context(name, request_id, time.monotonic() + limit)
        self._busy += 1
        started = time.perf_counter()
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool, _call, handler, event, context, limit)
            result = await asyncio.wait_for(future, limit)
        except asyncio.TimeoutError:
            self.stats.function(name, "LambdaExecutionError", limit * 1000)
            raise FunctionError("LambdaExecutionError", 503, f"{name}: timed out after {limit:g} s") from None
        except Exception as exc:  # the handler raised: one line, as CloudFront logs it
            self.stats.function(name, "LambdaExecutionError", (time.perf_counter() - started) * 1000)
            raise FunctionError("LambdaExecutionError", 503, f"{name}: {type(exc).__name__}: {exc}") from None
        finally:
            self._busy -= 1
            if request is not None:  # the access log's x-edge-code-ms
                request.code_ms += (time.perf_counter() - started) * 1000
        took = (time.perf_counter() - started) * 1000
        try:
            checked = check(result)
        except FunctionError as error:
            self.stats.function(name, error.detailed, took)
            raise
        self.stats.function(name, "ok", took)
        return checked

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _call(handler: LambdaHandler, event: dict[str, Any], context: _Context, limit: float) -> Any:
    """One handler call, in a pool thread, with its chaos fault first."""
    fault = handler.fault
    if fault == "throw":
        raise RuntimeError("chaos: the handler raises")
    if fault == "slow":
        time.sleep(limit * 0.5)
    if fault == "budget":  # past its time limit
        time.sleep(limit + 1.0)
    if fault == "invalid":
        return 42
    return handler.call(event, context)


def _lambda_error(error: FunctionError, request_id: str) -> Outcome:
    return generated(error.status, error.detailed, request_id, f"The Lambda function failed: {error}.")


def _request_or_response(result: Any, event_type: str) -> LambdaRequest | LambdaResponse:
    return as_response(result, event_type) if is_lambda_response(result) else as_request(result, event_type)


class OriginHooks:
    """Lambda@Edge around one origin attempt; runs once per origin tried, so twice on failover.
    The origin-response handler sees the origin's answer before failover is judged: a handler
    that turns a 503 into a 200 stops the failover (the request never reaches the secondary)."""

    def __init__(self, runner: LambdaRunner, before: str | None, after: str | None,
                 request: ViewerRequest, request_id: str) -> None:
        self.runner = runner
        self.before_name = before
        self.after_name = after
        self.request = request
        self.request_id = request_id

    def _event(self, event_type: str, origin: Origin, path_qs: str, headers: dict[str, str],
               https: bool) -> dict[str, Any]:
        described = custom_origin(origin.domain_name, origin.origin_path, origin.custom_headers, https,
                                  origin.timeouts.read_timeout, origin.timeouts.keepalive_timeout)
        return request_record(event_type, self.request.method, path_qs, tuple(headers.items()),
                              self.request.peer[0], self.request_id, self.request.host, described)

    async def before(self, origin: Origin, path_qs: str, headers: dict[str, str], https: bool
                     ) -> tuple[str, dict[str, str], Origin] | LambdaResponse:
        """The request as the origin-request handler leaves it, or the response it made."""
        if self.before_name is None:
            return path_qs, headers, origin
        event = self._event("origin-request", origin, path_qs, headers, https)
        changed = await self.runner.run(self.before_name, "origin-request", event, self.request_id,
                                        lambda r: _request_or_response(r, "origin-request"), self.request)
        if isinstance(changed, LambdaResponse):
            return changed
        return changed.raw_path, {k.lower(): v for k, v in changed.headers}, _origin_from(origin, changed.origin)

    async def after(self, origin: Origin, status: int, headers: Headers, body: bytes, path_qs: str,
                    request_headers: dict[str, str], https: bool) -> LambdaResponse:
        """The origin's answer as the origin-response handler leaves it."""
        if self.after_name is None:
            return LambdaResponse(status, headers, body)
        event = with_response(self._event("origin-response", origin, path_qs, request_headers, https),
                              status, reason(status), headers)
        answer = await self.runner.run(self.after_name, "origin-response", event, self.request_id,
                                       lambda r: as_response(r, "origin-response"), self.request)
        return LambdaResponse(answer.status, answer.headers, body if answer.body is None else answer.body)


def _origin_from(origin: Origin, described: dict[str, Any] | None) -> Origin:
    """The origin an origin-request handler left in ``request.origin`` (path and custom headers
    may change; another domain only when it names this origin: load never leaves loopback)."""
    custom = (described or {}).get("custom")
    if not isinstance(custom, dict):
        return origin
    if custom.get("domainName", origin.domain_name) != origin.domain_name:
        raise FunctionError("LambdaValidationError", 502,
                            f"request.origin.custom.domainName {custom.get('domainName')!r}: the emulator "
                            "only reaches the distribution's own origins")
    headers = tuple((e.get("key", k), e["value"]) for k, entries in (custom.get("customHeaders") or {}).items()
                    for e in entries if isinstance(e, dict) and isinstance(e.get("value"), str))
    return replace(origin, origin_path=str(custom.get("path", origin.origin_path)), custom_headers=headers)
