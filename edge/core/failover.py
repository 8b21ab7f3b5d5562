"""Origin-group failover decisions, without IO.

One origin attempt ends in an :class:`AttemptResult`: a status code, or one of
``connect-refused``, ``connect-timeout``, ``tls-error``, ``read-timeout``, ``reset``,
``invalid-response``. For matching against the group's FailoverCriteria a
failure becomes a synthetic status: a connection failure counts as 503, a
response timeout as 504, a reset, an unparseable response or a certificate the edge
cannot trust (expired, wrong name, unknown issuer, no common protocol) as 502. So a
refused primary fails over only when 503 is in the criteria, a hung one only when 504
is, a bad certificate only when 502 is (current CloudFront documentation).

Only GET, HEAD and OPTIONS fail over, OPTIONS only when it is a cached method;
the secondary's answer is final (no third try, no return to the primary).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.config.model import FailoverCriteria

CONNECT_REFUSED = "connect-refused"
CONNECT_TIMEOUT = "connect-timeout"
READ_TIMEOUT = "read-timeout"
RESET = "reset"
INVALID_RESPONSE = "invalid-response"
TLS_ERROR = "tls-error"

_SYNTHETIC_STATUS = {
    CONNECT_REFUSED: 503, CONNECT_TIMEOUT: 503, READ_TIMEOUT: 504,
    RESET: 502, INVALID_RESPONSE: 502, TLS_ERROR: 502,
}
# What the viewer gets when the last attempt failed without a status, and the
# log's x-edge-detailed-result-type for it.
_VIEWER_ERROR = {
    CONNECT_REFUSED: (502, "OriginConnectError"),
    CONNECT_TIMEOUT: (504, "OriginCommError"),
    READ_TIMEOUT: (504, "OriginCommError"),
    RESET: (502, "OriginReadError"),
    INVALID_RESPONSE: (502, "OriginInvalidResponseError"),
    TLS_ERROR: (502, "OriginConnectError"),
}
_FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class AttemptResult:
    """What one origin attempt produced: ``status`` or a ``failure`` word, never both."""

    origin_id: str
    status: int | None = None
    failure: str | None = None

    @property
    def synthetic_status(self) -> int:
        """The status this result counts as when matched against failover criteria."""
        if self.status is not None:
            return self.status
        return _SYNTHETIC_STATUS[self.failure or RESET]

    @property
    def log_word(self) -> str:
        """``503`` or ``connect-refused``: the x-origin-attempts spelling."""
        return str(self.status) if self.status is not None else (self.failure or RESET)


def should_fail_over(result: AttemptResult, criteria: FailoverCriteria | None, method: str,
                     cached_methods: frozenset[str], is_primary: bool = True) -> bool:
    """True when this attempt's result sends the request on to the secondary."""
    if criteria is None or not is_primary:
        return False
    if method not in _FAILOVER_METHODS:
        return False
    if method == "OPTIONS" and "OPTIONS" not in cached_methods:
        return False
    return result.synthetic_status in criteria.status_codes


def failover_reason(result: AttemptResult) -> str:
    """The x-failover-reason column: ``status-503``, ``connect-error`` or ``timeout``."""
    if result.failure in (CONNECT_REFUSED, CONNECT_TIMEOUT):
        return "connect-error"
    if result.failure == READ_TIMEOUT:
        return "timeout"
    if result.failure == TLS_ERROR:
        return "tls-error"
    return f"status-{result.synthetic_status}"


def viewer_error(failure: str) -> tuple[int, str]:
    """(viewer status, detailed result type) for an attempt that ended without a status."""
    return _VIEWER_ERROR.get(failure, (502, "OriginError"))


def retryable(failure: str, method: str) -> bool:
    """May a failed try be repeated on the same origin (within ConnectionAttempts)?

    Connection failures always (nothing was sent; a failed TLS handshake is one); response
    timeouts only for GET and HEAD; resets and bad responses never.
    """
    if failure in (CONNECT_REFUSED, CONNECT_TIMEOUT, TLS_ERROR):
        return True
    return failure == READ_TIMEOUT and method in ("GET", "HEAD")
