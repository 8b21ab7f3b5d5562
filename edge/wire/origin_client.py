"""Origin attempts over pooled keep-alive connections, with retries and failover.

Per origin: up to ConnectionAttempts tries; each try gets ConnectionTimeout to
connect and OriginReadTimeout to the first byte and between chunks. A
connection failure is tried again (nothing was sent); a response timeout only
for GET and HEAD. When a group's primary ends in a result that matches the
FailoverCriteria (see :mod:`edge.core.failover`) the same request goes to the
secondary, whose answer is final.

Each origin is reached over plain HTTP or TLS as its OriginProtocolPolicy says
(``match-viewer``: as the viewer came). Over TLS the edge trusts only the run's CA
(``--tls-dir``), checks the certificate's name against the origin's DomainName and offers
the OriginSslProtocols (``TLSv1.2`` means 1.2 and later); a certificate it cannot trust or
a handshake that fails is ``tls-error`` (502, fails over when 502 is in the criteria).

Each origin has its own connection pool with the origin's keep-alive timeout
(:mod:`edge.wire.origin_pool`; the bytes are :mod:`edge.core.origin_request`'s and
:mod:`edge.core.origin_http`'s). An idempotent request whose connection the origin closed or
reset before answering a byte is sent once more on a new connection, within the same
attempt: a pooled connection the origin's keep-alive timeout closed (or an origin restarted
under us) is not an origin failure, and a request an origin held and then dropped unanswered
(a hang released) is asked again. That is what aiohttp's client, used here before, did (#17); a second close is
``reset``.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from typing import Any

from contracts.tls import client_context
from edge.compute.functions import FunctionError
from edge.compute.lambdas import LambdaResponse
from edge.config.model import CacheBehavior, Origin, Target
from edge.core.failover import (
    CONNECT_REFUSED,
    CONNECT_TIMEOUT,
    INVALID_RESPONSE,
    READ_TIMEOUT,
    RESET,
    TLS_ERROR,
    AttemptResult,
    failover_reason,
    retryable,
    should_fail_over,
)
from edge.core.fetcher import FetchResult, OriginResponse
from edge.core.forwarding import origin_request_headers, viewer_response_headers
from edge.core.memo import Memo
from edge.core.origin_http import ResponseError
from edge.core.origin_request import request_head
from edge.core.viewer_context import ViewerContext
from edge.wire.origin_pool import ConnectionClosed, OriginPool, OriginReadTimeout

# Methods sent once more when the origin closed the connection before answering (RFC 9110 9.2.2).
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

HeaderHook = Callable[[str, str, str, dict[str, str], "bytes | None"], dict[str, str]]


class OriginClient:
    """Pools and attempts for every origin of a distribution: the edge's :class:`~edge.core.fetcher.Fetcher`.

    ``addresses`` maps origin Id to the local ``(host, port)`` that stands in for it;
    ``tls_addresses`` to its TLS listener, trusted through the CA of ``tls_dir``.
    ``finalize_headers(origin_id, method, url, headers, body)``, when given, returns the
    headers actually sent (the place for request signing); it runs once per origin.
    """

    def __init__(self, origins: dict[str, Origin], addresses: dict[str, tuple[str, int]],
                 finalize_headers: HeaderHook | None = None,
                 tls_addresses: dict[str, tuple[str, int]] | None = None,
                 tls_dir: str | None = None) -> None:
        self._origins = origins
        self._addresses = addresses
        self._tls_addresses = tls_addresses or {}
        self._tls_dir = tls_dir
        self._finalize = finalize_headers
        self._pools: dict[tuple[str, bool], OriginPool] = {}  # (origin Id, over TLS)
        self._bases: dict[tuple[str, bool], str] = {}  # (origin Id, over TLS) -> base URL

    async def start(self) -> None:
        for origin_id, origin in self._origins.items():
            t = origin.timeouts
            if origin_id in self._addresses:
                host, port = self._addresses[origin_id]
                self._bases[origin_id, False] = f"http://{_host(host)}:{port}"
                self._pools[origin_id, False] = OriginPool(
                    host, port, t.connection_timeout, t.keepalive_timeout)
            if origin_id in self._tls_addresses and self._tls_dir is not None:
                host, port = self._tls_addresses[origin_id]
                self._bases[origin_id, True] = f"https://{_host(host)}:{port}"
                self._pools[origin_id, True] = OriginPool(
                    host, port, t.connection_timeout, t.keepalive_timeout,
                    origin_ssl_context(self._tls_dir, origin.ssl_protocols), origin.domain_name)

    async def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    async def fetch(self, target: Target, behavior: CacheBehavior, method: str, path_qs: str,
                    viewer_headers: Iterable[tuple[str, str]], body: bytes | None,
                    request_id: str, viewer_context: ViewerContext,
                    extra_headers: dict[str, str] | None = None, hooks: Any = None) -> FetchResult:
        """Send a viewer request through ``target`` (one origin or a group).

        ``extra_headers`` (lower-case names) are the edge's own additions, such as the
        conditional headers of a revalidation; they go out to every origin tried. ``hooks``
        (:class:`edge.pop.lambda_code.OriginHooks`) run Lambda@Edge around each origin tried: the
        origin-request handler before (it may answer instead of the origin), the
        origin-response handler after, before failover is judged on what it returned.
        """
        viewer = list(viewer_headers)
        result = FetchResult()
        began = time.monotonic()
        last_index = len(target.origins) - 1
        for index, origin in enumerate(target.origins):
            headers = origin_request_headers(viewer, behavior, origin, request_id, viewer_context)
            if extra_headers:
                headers.update(extra_headers)
            tls = origin.uses_https(viewer_context.https)
            attempt_qs = path_qs
            if hooks is not None:
                try:
                    changed = await hooks.before(origin, path_qs, headers, tls)
                except FunctionError as error:
                    result.edge_error = error
                    return result
                if isinstance(changed, LambdaResponse):  # the handler answered: no origin is asked
                    cache_control, expires = _caching_headers(changed.headers)
                    result.response = OriginResponse(
                        origin_id="", status=changed.status, headers=changed.headers, body=changed.body or b"",
                        cache_control=cache_control, expires=expires, content_length=len(changed.body or b""))
                    result.generated = True
                    return result
                attempt_qs, headers, origin = changed
            path = origin.origin_path + attempt_qs
            if self._finalize is not None:
                headers = self._finalize(origin.id, method, self._bases[origin.id, tls] + path,
                                         headers, body)
            response, last = await self._attempts(origin, tls, method, path, headers, body,
                                                  result.attempts)
            if hooks is not None and response is not None:
                try:
                    answer = await hooks.after(origin, response.status, response.headers, response.body,
                                               attempt_qs, headers, tls)
                except FunctionError as error:
                    result.edge_error = error
                    return result
                if answer.status != response.status:  # what failover is judged on now
                    last = AttemptResult(origin.id, status=answer.status)
                cache_control, expires = _caching_headers(answer.headers)
                response = replace(response, status=answer.status, headers=answer.headers, body=answer.body or b"",
                                   cache_control=cache_control, expires=expires)
            if index < last_index and should_fail_over(
                    last, target.criteria, method, behavior.cached_methods, is_primary=index == 0):
                result.failover_reason = failover_reason(last)
                continue
            result.response = response
            result.failure = None if response is not None else last.failure
            result.upstream_ms = (time.monotonic() - began) * 1000
            return result
        return result  # unreachable: the last origin always returns

    def _attempts(self, origin: Origin, tls: bool, method: str, path: str,
                  headers: dict[str, str], body: bytes | None, log: list[AttemptResult]
                  ) -> Coroutine[Any, Any, tuple[OriginResponse | None, AttemptResult]]:
        cap = origin.timeouts.response_completion_timeout
        if cap is None:  # the tries themselves: no coroutine of its own to pass their answer up
            return self._tries(origin, tls, method, path, headers, body, log)
        return self._capped(origin, tls, method, path, headers, body, log, cap)

    async def _capped(self, origin: Origin, tls: bool, method: str, path: str,
                      headers: dict[str, str], body: bytes | None, log: list[AttemptResult],
                      cap: float) -> tuple[OriginResponse | None, AttemptResult]:
        try:
            # ResponseCompletionTimeout bounds the whole exchange, retries included.
            return await asyncio.wait_for(
                self._tries(origin, tls, method, path, headers, body, log), cap)
        except asyncio.TimeoutError:
            attempt = AttemptResult(origin.id, failure=READ_TIMEOUT)
            log.append(attempt)
            return None, attempt

    async def _tries(self, origin: Origin, tls: bool, method: str, path: str,
                     headers: dict[str, str], body: bytes | None, log: list[AttemptResult]
                     ) -> tuple[OriginResponse | None, AttemptResult]:
        pool = self._pools[origin.id, tls]
        head = request_head(method, path, headers, body)
        read_timeout = origin.timeouts.read_timeout
        tries = origin.timeouts.connection_attempts
        for n in range(tries):
            response, attempt = await self._try(pool, origin.id, method, head, body, read_timeout)
            log.append(attempt)
            if response is not None or n == tries - 1 or not retryable(
                    attempt.failure or RESET, method):
                return response, attempt
        raise AssertionError("ConnectionAttempts is at least 1")

    async def _try(self, pool: OriginPool, origin_id: str, method: str, head: bytes,
                   body: bytes | None, read_timeout: float
                   ) -> tuple[OriginResponse | None, AttemptResult]:
        try:
            conn = pool.idle() or await pool.connect()
            retry = method in _IDEMPOTENT  # a connection closed before a byte: once more on a new one
            while True:
                try:
                    answer = await conn.exchange(head, body, method, read_timeout)
                except BaseException as error:
                    pool.release(conn, False)
                    if not (retry and isinstance(error, ConnectionClosed) and not error.received):
                        raise
                    retry = False
                    conn = await pool.connect()
                    continue
                pool.release(conn, answer.reusable)  # back to the pool if it can carry another
                break
        except asyncio.TimeoutError:  # before OSError, of which it is one
            failure = CONNECT_TIMEOUT
        except ssl.SSLError:
            failure = TLS_ERROR  # expired, wrong name, unknown issuer, failed handshake
        except OSError:
            failure = CONNECT_REFUSED  # refused, unreachable, reset during the handshake
        except OriginReadTimeout:
            failure = READ_TIMEOUT
        except ResponseError:
            failure = INVALID_RESPONSE
        except ConnectionClosed:
            failure = RESET
        else:
            made = _MADE.get(answer.head) if answer.remembered else None
            if made is None:
                made = (*_caching_headers(answer.headers), viewer_response_headers(answer.headers))
                if answer.remembered:  # a head that came before: it may well come again
                    _MADE.put(answer.head, made)
            cache_control, expires, headers = made
            response = OriginResponse(
                origin_id=origin_id, status=answer.status, headers=headers, body=answer.body,
                cache_control=cache_control, expires=expires, content_length=answer.content_length)
            return response, AttemptResult(origin_id, status=answer.status)
        return None, AttemptResult(origin_id, failure=failure)


# OriginSslProtocols -> the lowest version the edge offers ("TLSv1.2" means 1.2 and later;
# SSLv3 is gone from OpenSSL, so an origin offering only that fails its handshake, as it
# would fail against CloudFront's modern policy).
_MINIMUM = {"SSLv3": ssl.TLSVersion.SSLv3, "TLSv1": ssl.TLSVersion.TLSv1,
            "TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2}


def origin_ssl_context(tls_dir: str, protocols: tuple[str, ...]) -> ssl.SSLContext:
    """Trust only the run's CA; check names; offer the origin's OriginSslProtocols."""
    context = client_context(tls_dir)
    lowest = min(protocols, key=list(_MINIMUM).index)
    if "TLSv1.2" not in protocols:  # only older versions allowed: cap the edge there
        context.maximum_version = _MINIMUM[max(protocols, key=list(_MINIMUM).index)]
    try:
        context.minimum_version = _MINIMUM[lowest]
    except ValueError:  # the local OpenSSL refuses to go that low: offer what it can
        pass
    return context


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# What an answer's head makes (its Cache-Control, its Expires, the headers kept for the
# viewer), by the head's bytes, for the heads the response parser remembers (seen twice).
_MADE: Memo[bytes, tuple[str | None, str | None, tuple[tuple[str, str], ...]]] = Memo(4096)


def _caching_headers(headers: Iterable[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The first Cache-Control and Expires, in one pass over an answer's headers."""
    cache_control = expires = None
    for name, value in headers:
        if len(name) == 13 or len(name) == 7:  # "cache-control", "expires": others skipped unread
            low = name.lower()
            if low == "cache-control":
                cache_control = value if cache_control is None else cache_control
            elif low == "expires":
                expires = value if expires is None else expires
    return cache_control, expires
