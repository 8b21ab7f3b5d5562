"""CloudFront Functions events and answers, as the Developer Guide documents them (no IO).

Event (``functions-event-structure``)::

    {"version": "1.0",
     "context": {"distributionDomainName", "distributionId", "eventType", "requestId"},
     "viewer": {"ip"},
     "request": {"method", "uri", "querystring": {name: {"value", "multiValue"?}},
                 "headers": {lower-case name: {"value", "multiValue"?}},
                 "cookies": {name: {"value", "multiValue"?}}},
     "response": {"statusCode", "statusDescription", "headers", "cookies"}}   # viewer-response

A viewer-request function returns the request (``method`` is read-only; a changed ``uri``
changes the object asked for, not the behaviour or the origin) or a response, which the edge
sends without looking at the cache (``X-Cache: FunctionGeneratedResponse``). A
viewer-response function returns the response (status, headers, cookies; never the body).
Anything else is invalid (``FunctionValidationError``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote

from edge.compute.functions import FunctionError

Pairs = tuple[tuple[str, str], ...]
_READ_ONLY = frozenset({"host"})  # CloudFront keeps the viewer's Host whatever a function says


def _values(pairs: Iterable[tuple[str, str]], lower: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, value in pairs:
        key = name.lower() if lower else name
        entry = out.get(key)
        if entry is None:
            out[key] = {"value": value}
        else:
            entry.setdefault("multiValue", [{"value": entry["value"]}]).append({"value": value})
    return out


def _cookies(header_values: Iterable[str]) -> dict[str, dict[str, Any]]:
    pairs: list[tuple[str, str]] = []
    for header in header_values:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                pairs.append((name, value))
    return _values(pairs, lower=False)


def request_event(event_type: str, method: str, raw_path: str, headers: Pairs, viewer_ip: str,
                  request_id: str, host: str) -> dict[str, Any]:
    """The event of a viewer request (``event_type`` viewer-request or viewer-response)."""
    path, _, query = raw_path.partition("?")
    plain = [(k, v) for k, v in headers if k.lower() != "cookie"]
    cookies = [v for k, v in headers if k.lower() == "cookie"]
    return {
        "version": "1.0",
        "context": {"distributionDomainName": host, "distributionId": "EEMULATED",
                    "eventType": event_type, "requestId": request_id},
        "viewer": {"ip": viewer_ip},
        "request": {"method": method, "uri": path,
                    "querystring": _values(parse_qsl(query, keep_blank_values=True), lower=False),
                    "headers": _values(plain, lower=True), "cookies": _cookies(cookies)},
    }


def response_part(status: int, reason: str, headers: Pairs) -> dict[str, Any]:
    """The ``response`` member of a viewer-response event."""
    plain = [(k, v) for k, v in headers if k.lower() != "set-cookie"]
    cookies: dict[str, dict[str, Any]] = {}
    for k, v in headers:
        if k.lower() == "set-cookie":
            jar: SimpleCookie = SimpleCookie()
            jar.load(v)
            for name, morsel in jar.items():
                attrs = morsel.OutputString().partition("; ")[2]  # "Path=/; Secure"
                cookies[name] = {"value": morsel.value, **({"attributes": attrs} if attrs else {})}
    return {"statusCode": status, "statusDescription": reason, "headers": _values(plain, lower=True),
            "cookies": cookies}


def _invalid(message: str) -> FunctionError:
    return FunctionError("FunctionValidationError", 502, message)


def _pairs(values: Any, where: str, lower: bool) -> list[tuple[str, str]]:
    if values is None:
        return []
    if not isinstance(values, dict):
        raise _invalid(f"{where} must be an object")
    out: list[tuple[str, str]] = []
    for name, entry in values.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            raise _invalid(f"{where}.{name} must be {{value: string}}")
        items = entry.get("multiValue") or [entry]
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                raise _invalid(f"{where}.{name}.multiValue must hold {{value: string}} objects")
            out.append((name.lower() if lower else name, item["value"]))
    return out


def _cookie_header(cookies: Any) -> str:
    return "; ".join(f"{name}={value}" for name, value in _pairs(cookies, "request.cookies", lower=False))


@dataclass(frozen=True)
class NewRequest:
    """A request as a viewer-request function returned it."""

    raw_path: str
    headers: Pairs


@dataclass(frozen=True)
class GeneratedResponse:
    """A response a function returned (viewer-request: sent as is; viewer-response: applied)."""

    status: int
    headers: Pairs
    body: bytes | None = None


def is_response(result: Any) -> bool:
    return isinstance(result, dict) and "statusCode" in result


def new_request(result: Any, original: Pairs) -> NewRequest:
    """The request a viewer-request function returned; FunctionError when it is not one."""
    if not isinstance(result, dict) or not isinstance(result.get("uri"), str):
        raise _invalid("a viewer-request function returns the request (with a uri) or a response")
    uri = result["uri"]
    if not uri.startswith("/"):
        raise _invalid(f"request.uri {uri[:40]!r} must begin with '/'")
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" if v != "" else quote(k, safe="")
                     for k, v in _pairs(result.get("querystring"), "request.querystring", lower=False))
    headers = [(k, v) for k, v in _pairs(result.get("headers"), "request.headers", lower=True)
               if k not in _READ_ONLY]
    headers = [(k, v) for k, v in original if k.lower() in _READ_ONLY] + headers
    cookie = _cookie_header(result.get("cookies"))
    if cookie:
        headers.append(("cookie", cookie))
    return NewRequest(uri + (f"?{query}" if query else ""), tuple(headers))


def generated_response(result: Any) -> GeneratedResponse:
    """A response a function returned; FunctionError when it is not one."""
    status = result.get("statusCode") if isinstance(result, dict) else None
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise _invalid(f"response.statusCode {status!r} must be a status code 100..599")
    headers = _pairs(result.get("headers"), "response.headers", lower=True)
    for name, entry in (result.get("cookies") or {}).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            raise _invalid(f"response.cookies.{name} must be {{value: string}}")
        attributes = entry.get("attributes")
        headers.append(("set-cookie", f"{name}={entry['value']}" + (f"; {attributes}" if attributes else "")))
    body = result.get("body")
    data: bytes | None = None
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, dict) and isinstance(body.get("data"), str):
        if body.get("encoding", "text") == "base64":
            import base64
            data = base64.b64decode(body["data"])
        else:
            data = body["data"].encode("utf-8")
    elif body is not None:
        raise _invalid("response.body must be a string or {data, encoding}")
    if data is not None and len(data) > 40_000:
        raise _invalid(f"response.body is {len(data):,} bytes; at most 40 KB")
    return GeneratedResponse(status, tuple(headers), data)
