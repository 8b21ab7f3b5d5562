"""Lambda@Edge, Python handlers: loading them, their events, and checking what they return.

``python -m edge --lambdas DIR`` loads ``DIR/NAME.py`` for each function a behaviour's
``LambdaFunctionAssociations`` names (NAME: the function name in its ARN,
``arn:aws:lambda:us-east-1:ACCOUNT:function:NAME:VERSION``) and calls ``handler(event,
context)`` as the Lambda runtime does. Events follow the Developer Guide's *Lambda@Edge event
structure*: ``{"Records": [{"cf": {"config": {...}, "request": {...}, "response": {...}}}]}``
with headers as ``{lower-case name: [{"key", "value"}]}``, the query string as a string and
statuses as strings.

What each event may return (*Requirements and restrictions on edge functions*):

- viewer-request and origin-request: the request (``uri``, ``querystring``, ``headers``; an
  origin-request handler may also change ``origin``), or a response, sent without going further
  (``LambdaGeneratedResponse``; from origin-request the log says ``MissGeneratedResponse``);
- origin-response and viewer-response: the response (``status``, ``statusDescription``,
  ``headers``, and a ``body`` on origin-response).

This module does no IO beyond reading the handler files: the POP runs handlers in threads,
with the documented time limits (:mod:`edge.pop.edge_code`).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from edge.compute.functions import FunctionError

LAMBDA_EVENTS = ("viewer-request", "origin-request", "origin-response", "viewer-response")
# Function timeouts: 5 s on viewer events, 30 s on origin events (CloudFront quotas).
TIMEOUT_S = {"viewer-request": 5.0, "viewer-response": 5.0, "origin-request": 30.0, "origin-response": 30.0}
_ARN = re.compile(r"^arn:aws:lambda:us-east-1:\d{12}:function:([A-Za-z0-9_-]{1,64}):(\$LATEST|\d+)$")
Headers = tuple[tuple[str, str], ...]


class LambdaLoadError(Exception):
    """A handler file the edge cannot use."""


def lambda_name(arn: str) -> str | None:
    """``arn:aws:lambda:us-east-1:123456789012:function:NAME:3`` -> ``NAME``; None when the ARN is
    not a numbered version in us-east-1 (what CloudFront requires)."""
    match = _ARN.match(arn)
    return match.group(1) if match else None


@dataclass
class LambdaHandler:
    """One loaded handler; ``fault`` is edge-code chaos (throw, slow, budget, invalid)."""

    name: str
    call: Callable[[dict[str, Any], Any], Any]
    fault: str | None = None


def load_handler(name: str, path: Path) -> LambdaHandler:
    spec = importlib.util.spec_from_file_location(f"edge_lambda_{name}", path)
    if spec is None or spec.loader is None:
        raise LambdaLoadError(f"{path}: not a Python file")
    module: ModuleType = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's module failed to import: one line naming it
        raise LambdaLoadError(f"{path}: {type(exc).__name__}: {exc}") from None
    handler = getattr(module, "handler", None)
    if not callable(handler):
        raise LambdaLoadError(f"{path}: defines no handler(event, context)")
    return LambdaHandler(name, handler)


def load_lambdas(names: set[str], directory: str | None) -> dict[str, LambdaHandler]:
    if names and directory is None:
        raise LambdaLoadError(f"the distribution associates Lambda@Edge function {sorted(names)[0]!r}: "
                              "give --lambdas DIR holding NAME.py")
    out: dict[str, LambdaHandler] = {}
    for name in sorted(names):
        path = Path(str(directory)) / f"{name}.py"
        if not path.is_file():
            raise LambdaLoadError(f"--lambdas {directory}: no {name}.py for the associated function {name!r}")
        out[name] = load_handler(name, path)
    return out


# -- events ------------------------------------------------------------------------------------
def _headers(pairs: Headers) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for key, value in pairs:
        out.setdefault(key.lower(), []).append({"key": key, "value": value})
    return out


def request_record(event_type: str, method: str, raw_path: str, headers: Headers, client_ip: str,
                   request_id: str, host: str, origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Lambda@Edge event for a request (``origin``: the origin-request/-response origin)."""
    path, _, query = raw_path.partition("?")
    request: dict[str, Any] = {"clientIp": client_ip, "headers": _headers(headers), "method": method,
                               "querystring": query, "uri": path}
    if origin is not None:
        request["origin"] = origin
    return {"Records": [{"cf": {"config": {"distributionDomainName": host, "distributionId": "EEMULATED",
                                           "eventType": event_type, "requestId": request_id},
                                "request": request}}]}


def with_response(event: dict[str, Any], status: int, reason: str, headers: Headers) -> dict[str, Any]:
    event["Records"][0]["cf"]["response"] = {"status": str(status), "statusDescription": reason,
                                             "headers": _headers(headers)}
    return event


def custom_origin(domain: str, path: str, custom_headers: Headers, https: bool, read_timeout: int,
                  keepalive: int) -> dict[str, Any]:
    return {"custom": {"customHeaders": _headers(custom_headers), "domainName": domain,
                       "keepaliveTimeout": keepalive, "path": path, "port": 443 if https else 80,
                       "protocol": "https" if https else "http", "readTimeout": read_timeout,
                       "sslProtocols": ["TLSv1.2"]}}


# -- answers -----------------------------------------------------------------------------------
def _invalid(message: str) -> FunctionError:
    return FunctionError("LambdaValidationError", 502, message)


def _pairs(headers: Any, where: str) -> Headers:
    if headers is None:
        return ()
    if not isinstance(headers, dict):
        raise _invalid(f"{where} must be an object of lower-case name: [{{key, value}}]")
    out: list[tuple[str, str]] = []
    for name, entries in headers.items():
        if not isinstance(entries, list):
            raise _invalid(f"{where}.{name} must be a list of {{key, value}}")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                raise _invalid(f"{where}.{name} must hold {{key, value}} objects with string values")
            key = entry.get("key", name)
            if not isinstance(key, str) or key.lower() != name:
                raise _invalid(f"{where}.{name}: key {key!r} does not match its lower-case name")
            out.append((key, entry["value"]))
    return tuple(out)


@dataclass(frozen=True)
class LambdaResponse:
    status: int
    headers: Headers
    body: bytes | None = None


@dataclass(frozen=True)
class LambdaRequest:
    raw_path: str
    headers: Headers
    origin: dict[str, Any] | None = None


def is_response(result: Any) -> bool:
    return isinstance(result, dict) and "status" in result


def as_response(result: Any, event_type: str) -> LambdaResponse:
    if not isinstance(result, dict):
        raise _invalid(f"a {event_type} handler returned {type(result).__name__}, not a response")
    try:
        status = int(str(result.get("status")))
    except ValueError:
        raise _invalid(f"response.status {result.get('status')!r} is not a status code") from None
    if not 100 <= status <= 599:
        raise _invalid(f"response.status {status} is out of range")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise _invalid("response.body must be a string")
    if body is not None and event_type == "viewer-response":
        raise _invalid("a viewer-response handler cannot change the body (only a generated response can)")
    data = None
    if body is not None:
        data = body.encode("utf-8") if result.get("bodyEncoding", "text") == "text" else _b64(body)
        limit = 40_960 if event_type == "viewer-request" else 1_048_576
        if len(data) > limit:
            raise _invalid(f"response.body is {len(data):,} bytes; the limit for {event_type} is {limit:,}")
    return LambdaResponse(status, _pairs(result.get("headers"), "response.headers"), data)


def _b64(text: str) -> bytes:
    import base64
    return base64.b64decode(text)


def as_request(result: Any, event_type: str) -> LambdaRequest:
    if not isinstance(result, dict) or not isinstance(result.get("uri"), str) or not result["uri"].startswith("/"):
        raise _invalid(f"a {event_type} handler must return the request (uri starting with '/') or a response")
    query = result.get("querystring", "")
    if not isinstance(query, str):
        raise _invalid("request.querystring must be a string")
    origin = result.get("origin") if event_type == "origin-request" else None
    return LambdaRequest(result["uri"] + (f"?{query}" if query else ""),
                         _pairs(result.get("headers"), "request.headers"), origin)


def result_of(record: Any) -> Any:
    """What a handler returned, whether the request/response itself or (as some return) the
    whole event."""
    if isinstance(record, dict) and "Records" in record:
        cf = record["Records"][0].get("cf", {})
        return cf.get("response") or cf.get("request")
    return record
