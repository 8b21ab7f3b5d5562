"""``HOST:PORT`` as every command line takes it (one parser: contracts/address.py)."""

from __future__ import annotations

import pytest

from contracts.address import format_address, is_loopback, parse_address
from contracts.errors import UsageError


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)), (":0", ("127.0.0.1", 0)), ("9000", ("127.0.0.1", 9000)),
    ("localhost:1", ("localhost", 1)), ("[::1]:80", ("::1", 80)),
])
def test_parse_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text, "--listen") == expected


@pytest.mark.parametrize("text", ["host:", "host:http", "1:70000", ""])
def test_bad_address(text: str) -> None:
    with pytest.raises(UsageError, match="--listen: .* is not HOST:PORT"):
        parse_address(text, "--listen")


@pytest.mark.parametrize("host, port, text", [("127.0.0.1", 80, "127.0.0.1:80"), ("::1", 8, "[::1]:8")])
def test_format_is_the_inverse_of_parse(host: str, port: int, text: str) -> None:
    assert format_address(host, port) == text
    assert parse_address(text, "--x") == (host, port)


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True),
                                            ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                            ("10.0.0.1", False), ("example.com", False)])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
