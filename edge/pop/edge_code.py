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

import itertools
import json
from dataclasses import replace
from typing import Any

from edge.compute.events import generated_response, is_response, new_request, request_event, response_part
from edge.compute.functions import CloudFrontFunction, FunctionError
from edge.config.model import FAILOVER_STATUS_CODES, CacheBehavior, Distribution, FailoverCriteria, Origin, Target
from edge.core.memo import Memo
from edge.core.outcome import Outcome, generated
from edge.core.viewer_http import ViewerRequest, reason
from edge.pop.lambda_code import LambdaRunner
from edge.pop.stats import Stats

Headers = tuple[tuple[str, str], ...]
EVENTS_KEPT = 2048  # viewer-request events (and their JSON) kept by request head
_numbers = itertools.count(1)  # each kept event's number, never reused (CloudFrontFunction.run's key)


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
        """``lambdas``: the process's Lambda@Edge runner (edge/pop/lambda_code.py), if any."""
        self.functions = functions
        self.distribution = distribution
        self.stats = stats
        self.lambdas = lambdas
        self._events: Memo[tuple[Any, ...], tuple[dict[str, Any], str, int]] = Memo(EVENTS_KEPT)

    def _event(self, request: ViewerRequest, event_type: str, status: int = 0,
               headers: Headers = ()) -> tuple[dict[str, Any], str, int]:
        """The event of ``request`` (with the response's ``status`` and ``headers`` for
        viewer-response), its JSON without the request id and its number (the function's
        engine keeps the parsed event by it), kept per request head and response: load
        generators and browsers repeat their heads, and building the event is a fifth of a
        trivial function's cost. The event is shared: a caller never changes it (the request
        id travels apart)."""
        key = (event_type, request.method, request.raw_path, request.raw_headers, request.peer[0], status, headers)
        kept = self._events.get(key)
        if kept is None:
            event = request_event(event_type, request.method, request.raw_path, request.raw_headers,
                                  request.peer[0], "", request.host)
            if event_type == "viewer-response":
                event["response"] = response_part(status, reason(status), headers)
            kept = self._events.put(key, (event, json.dumps(event, separators=(",", ":")), next(_numbers)))
        return kept  # shared by every request with this head: never changed

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
        event, text, number = self._event(request, "viewer-request")
        try:
            invocation = self.functions[name].run(event, text, request_id, number)
            request.code_ms += invocation.cpu_ms
            if invocation.unchanged:
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
        request.replace_head(changed.raw_path, changed.headers)
        return None

    def viewer_response(self, behavior: CacheBehavior, request: ViewerRequest, status: int,
                        headers: Headers, request_id: str) -> tuple[int, Headers] | Outcome | None:
        """Run the viewer-response function: the status and headers to send, None when it
        returned the response unchanged, or an error answer."""
        name = behavior.function_for("viewer-response")
        if name is None:
            return status, headers
        event, text, number = self._event(request, "viewer-response", status, headers)
        try:
            invocation = self.functions[name].run(event, text, request_id, number)
            request.code_ms += invocation.cpu_ms
            if invocation.unchanged:
                self.stats.function(name, "ok", invocation.cpu_ms)
                return None
            answer = generated_response(invocation.result)
        except FunctionError as error:
            return self._failed(name, error, request_id)
        self.stats.function(name, "ok", invocation.cpu_ms)
        return answer.status, answer.headers

    def viewer_response_outcome(self, behavior: CacheBehavior, request: ViewerRequest, outcome: Outcome,
                                request_id: str) -> Outcome:
        """``outcome`` as the behaviour's viewer-response function leaves it."""
        answer = self.viewer_response(behavior, request, outcome.status, outcome.headers, request_id)
        return outcome if answer is None else answered(outcome, answer)


def answered(outcome: Outcome, answer: tuple[int, Headers] | Outcome) -> Outcome:
    """``outcome`` as a viewer-response function's answer leaves it: its error answer, or
    its status and headers (rendered anew)."""
    if isinstance(answer, Outcome):
        return answer
    status, headers = answer
    return replace(outcome, status=status, headers=headers, head=b"", header_bytes=-1)


def _error(error: FunctionError, request_id: str) -> Outcome:
    return generated(error.status, error.detailed, request_id, f"The CloudFront function failed: {error}.")
