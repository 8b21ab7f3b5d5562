"""The WSGI side of origin access: gather the request, ask :mod:`origins.security.access`, answer 403.

S3-style refusals carry S3's XML ``AccessDenied`` document; secret-header refusals a plain
text line. Every refusal keeps ``X-Origin-Id`` and counts in the origin's stats.
"""

from __future__ import annotations

import io
import secrets
import time
from dataclasses import replace
from typing import Any, Callable, Iterable
from urllib.parse import quote

from origins.security.access import MAX_HEADER_VALUES, AccessPolicy, RequiredHeader, check_header, check_private_bucket

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def s3_error_body(message: str, request_id: str) -> bytes:
    """S3's XML error document for ``AccessDenied``."""
    from xml.sax.saxutils import escape

    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
            f"<HostId>{secrets.token_urlsafe(24)}</HostId></Error>").encode()


class AccessMiddleware:
    """Refuses data-port requests the policy does not allow; passes the rest to ``app``.

    It sits in front of the fault middleware: a refusal never waits on, or fails with, a fault.

    ``policy`` may be replaced at run time (header rotation); each request reads it once.
    """

    def __init__(self, app: WSGIApp, origin_id: str, policy: AccessPolicy,
                 clock: Callable[[], float] = time.time, stats: Any = None) -> None:
        self.app = app
        self.origin_id = origin_id
        self.policy = policy
        self.clock = clock
        self.stats = stats  # refusals are counted with the origin's other requests
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        policy = self.policy
        if not policy.active:
            return self.app(environ, start_response)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        denial = check_header(policy.required_header, headers) if policy.required_header else None
        if denial is None and policy.private_bucket is not None:
            body = _read_body(environ)
            raw_uri = environ.get("RAW_URI") or _rebuild_uri(environ)
            denial = check_private_bucket(policy.private_bucket, environ.get("REQUEST_METHOD", "GET"),
                                          headers.get("host", ""), raw_uri, headers, body, self.clock())
        if denial is None:
            return self.app(environ, start_response)
        self.refused += 1
        if self.stats is not None:
            self.stats.record(environ.get("PATH_INFO") or "/", 403)
        request_id = secrets.token_hex(8).upper()
        if denial.s3:
            payload = s3_error_body(denial.reason, request_id)
            content_type = "application/xml"
        else:
            payload = f"403 Forbidden: {denial.reason}\n".encode()
            content_type = "text/plain; charset=utf-8"
        start_response("403 Forbidden", [
            ("Content-Type", content_type), ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"), ("x-amz-request-id", request_id),
            ("X-Origin-Id", self.origin_id),
        ])
        return [payload]

    def rotate_header(self, values: list[str]) -> RequiredHeader:
        """Accept exactly ``values`` for the required header from now on."""
        current = self.policy.required_header
        if current is None:
            raise ValueError("this origin was started without --require-header")
        if not 1 <= len(values) <= MAX_HEADER_VALUES or not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"values: expected 1..{MAX_HEADER_VALUES} non-empty strings")
        updated = RequiredHeader(current.name, tuple(values))
        self.policy = replace(self.policy, required_header=updated)
        return updated

    def describe(self) -> dict[str, Any]:
        """The policy for the control API, secrets left out."""
        policy = self.policy
        return {
            "private_bucket": policy.private_bucket is not None,
            "source_arn": policy.private_bucket.source_arn if policy.private_bucket else None,
            "require_header": ({"name": policy.required_header.name,
                                "accepted_values": len(policy.required_header.values)}
                               if policy.required_header else None),
            "refused": self.refused,
        }


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the whole body and put it back, so the app behind still sees it."""
    stream = environ.get("wsgi.input")
    body = stream.read() if stream is not None else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _rebuild_uri(environ: dict[str, Any]) -> str:
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/~!$&'()*+,;=:@")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path
