"""``HOST:PORT``, as every command line of the harness takes an address.

``HOST:PORT``, ``:PORT`` or ``PORT``; an IPv6 host in brackets (``[::1]:80``); the host
defaults to 127.0.0.1 (loopback: nothing listens beyond this machine unless told to).
"""

from __future__ import annotations

import ipaddress

from contracts.errors import UsageError

DEFAULT_HOST = "127.0.0.1"


def parse_address(text: str, what: str) -> tuple[str, int]:
    """``(host, port)``; :class:`UsageError` naming ``what`` (the flag) when malformed."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or DEFAULT_HOST
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise UsageError(f"{what}: {text!r} is not HOST:PORT (allowed: HOST:PORT, :PORT or PORT; "
                         f"PORT 0..65535)")
    return host, int(port_text)


def format_address(host: str, port: int) -> str:
    """The inverse of :func:`parse_address` (brackets around an IPv6 host)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal; anything else (``0.0.0.0`` too) is reachable from outside."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
