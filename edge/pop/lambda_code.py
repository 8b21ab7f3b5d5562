"""The POP's Lambda@Edge stage: Python handlers in a thread pool, around the cache and around
each origin attempt.

- **viewer-request** (before the cache key) and **viewer-response** (on every answer) run in
  :class:`LambdaRunner`'s pool, awaited by the POP's pipeline;
- **origin-request** and **origin-response** run once per origin tried
  (:class:`OriginHooks`, called by the origin client), so twice on failover, and failover is
  judged on what origin-response returned.

Failures are the documented answers (503 ``LambdaExecutionError`` / ``LambdaLimitExceeded``,
502 ``LambdaValidationError``); every run is counted in ``/stats`` by outcome.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable

from edge.compute.functions import FunctionError
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
from edge.config.model import CacheBehavior, Origin
from edge.core.outcome import Outcome, generated
from edge.core.viewer_http import ViewerRequest, reason
from edge.pop.stats import Stats

Headers = tuple[tuple[str, str], ...]


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

    async def viewer_request(self, behavior: CacheBehavior, request: ViewerRequest,
                             request_id: str) -> Outcome | None:
        """None when the request goes on (changed in place), else the answer or the error."""
        name = behavior.lambda_for("viewer-request")
        if name is None:
            return None
        event = request_record("viewer-request", request.method, request.raw_path, request.raw_headers,
                               request.peer[0], request_id, request.host)
        try:
            changed = await self.run(name, "viewer-request", event, request_id,
                                             lambda r: _request_or_response(r, "viewer-request"), request)
        except FunctionError as error:
            return _lambda_error(error, request_id)
        if isinstance(changed, LambdaResponse):
            return Outcome(changed.status, (("Server", "CloudFront"), *changed.headers), changed.body or b"",
                           "LambdaGeneratedResponse", "LambdaGeneratedResponse")
        request.replace_head(changed.raw_path, changed.headers)
        return None

    async def viewer_response(self, behavior: CacheBehavior, request: ViewerRequest,
                              outcome: Outcome, request_id: str) -> Outcome:
        name = behavior.lambda_for("viewer-response")
        if name is None:
            return outcome
        event = with_response(request_record("viewer-response", request.method, request.raw_path,
                                             request.raw_headers, request.peer[0], request_id, request.host),
                              outcome.status, reason(outcome.status), outcome.headers)
        try:
            answer = await self.run(name, "viewer-response", event, request_id,
                                            lambda r: as_response(r, "viewer-response"), request)
        except FunctionError as error:
            return _lambda_error(error, request_id)
        return replace(outcome, status=answer.status, headers=answer.headers, head=b"", header_bytes=-1)

    def origin_hooks(self, behavior: CacheBehavior, request: ViewerRequest, request_id: str) -> OriginHooks | None:
        """What runs around each origin attempt (origin-request before, origin-response after)."""
        before, after = behavior.lambda_for("origin-request"), behavior.lambda_for("origin-response")
        if before is None and after is None:
            return None
        return OriginHooks(self, before, after, request, request_id)

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
