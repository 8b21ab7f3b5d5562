"""Failover decisions: which origin results send a request to the secondary."""

from __future__ import annotations

import pytest

from edge.config.model import FailoverCriteria
from edge.core.failover import (
    CONNECT_REFUSED,
    CONNECT_TIMEOUT,
    INVALID_RESPONSE,
    READ_TIMEOUT,
    RESET,
    AttemptResult,
    failover_reason,
    retryable,
    should_fail_over,
    viewer_error,
)

FULL = FailoverCriteria(frozenset({500, 502, 503, 504}))
NO_503 = FailoverCriteria(frozenset({500, 502, 504}))
NO_504 = FailoverCriteria(frozenset({500, 502, 503}))
GET_HEAD = frozenset({"GET", "HEAD"})
WITH_OPTIONS = frozenset({"GET", "HEAD", "OPTIONS"})


def status(code: int) -> AttemptResult:
    return AttemptResult("primary", status=code)


def failed(word: str) -> AttemptResult:
    return AttemptResult("primary", failure=word)


@pytest.mark.parametrize(("result", "criteria", "method", "cached", "expected"), [
    (status(503), FULL, "GET", GET_HEAD, True),
    (status(500), FULL, "HEAD", GET_HEAD, True),
    (status(200), FULL, "GET", GET_HEAD, False),
    (status(404), FULL, "GET", GET_HEAD, False),            # not in the criteria
    (status(501), FULL, "GET", GET_HEAD, False),
    (status(503), NO_503, "GET", GET_HEAD, False),
    (failed(CONNECT_REFUSED), FULL, "GET", GET_HEAD, True),
    (failed(CONNECT_REFUSED), NO_503, "GET", GET_HEAD, False),  # connect failure needs 503
    (failed(CONNECT_TIMEOUT), NO_504, "GET", GET_HEAD, True),
    (failed(CONNECT_TIMEOUT), NO_503, "GET", GET_HEAD, False),
    (failed(READ_TIMEOUT), FULL, "GET", GET_HEAD, True),
    (failed(READ_TIMEOUT), NO_504, "GET", GET_HEAD, False),     # timeout needs 504
    (failed(RESET), FULL, "GET", GET_HEAD, True),               # counts as 502
    (failed(INVALID_RESPONSE), NO_504, "GET", GET_HEAD, True),
    (status(503), FULL, "POST", GET_HEAD, False),               # writes never fail over
    (status(503), FULL, "PUT", GET_HEAD, False),
    (failed(READ_TIMEOUT), FULL, "DELETE", GET_HEAD, False),
    (status(503), FULL, "OPTIONS", GET_HEAD, False),            # OPTIONS only when cached
    (status(503), FULL, "OPTIONS", WITH_OPTIONS, True),
    (status(503), None, "GET", GET_HEAD, False),                # a plain origin
])
def test_should_fail_over(result: AttemptResult, criteria: FailoverCriteria | None, method: str,
                          cached: frozenset[str], expected: bool) -> None:
    assert should_fail_over(result, criteria, method, cached) is expected


def test_secondary_never_fails_over() -> None:
    assert not should_fail_over(status(503), FULL, "GET", GET_HEAD, is_primary=False)


@pytest.mark.parametrize(("result", "reason"), [
    (status(503), "status-503"), (status(404), "status-404"),
    (failed(CONNECT_REFUSED), "connect-error"), (failed(CONNECT_TIMEOUT), "connect-error"),
    (failed(READ_TIMEOUT), "timeout"), (failed(RESET), "status-502"),
])
def test_failover_reason(result: AttemptResult, reason: str) -> None:
    assert failover_reason(result) == reason


@pytest.mark.parametrize(("failure", "expected"), [
    (CONNECT_REFUSED, (502, "OriginConnectError")),
    (CONNECT_TIMEOUT, (504, "OriginCommError")),
    (READ_TIMEOUT, (504, "OriginCommError")),
    (RESET, (502, "OriginReadError")),
    (INVALID_RESPONSE, (502, "OriginInvalidResponseError")),
])
def test_viewer_error(failure: str, expected: tuple[int, str]) -> None:
    assert viewer_error(failure) == expected


@pytest.mark.parametrize(("failure", "method", "expected"), [
    (CONNECT_REFUSED, "POST", True),       # nothing was sent yet
    (CONNECT_TIMEOUT, "GET", True),
    (READ_TIMEOUT, "GET", True),
    (READ_TIMEOUT, "HEAD", True),
    (READ_TIMEOUT, "POST", False),         # the origin may have acted on it
    (READ_TIMEOUT, "OPTIONS", False),
    (RESET, "GET", False),
])
def test_retryable(failure: str, method: str, expected: bool) -> None:
    assert retryable(failure, method) is expected


def test_log_words() -> None:
    assert status(503).log_word == "503"
    assert failed(CONNECT_REFUSED).log_word == "connect-refused"
    assert failed(READ_TIMEOUT).synthetic_status == 504
