"""Raw-socket helpers for observing faults on the wire (what an HTTP client would hide)."""

from __future__ import annotations

import socket
import time


def send_get(port: int, path: str, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: origin\r\n\r\n".encode())
    return sock


def read_all(sock: socket.socket) -> tuple[bytes, str]:
    """Read until EOF or error; returns (bytes, how it ended: 'eof' | 'reset' | 'timeout')."""
    data = b""
    try:
        while True:
            piece = sock.recv(65536)
            if not piece:
                return data, "eof"
            data += piece
    except ConnectionResetError:
        return data, "reset"
    except socket.timeout:
        return data, "timeout"
    finally:
        sock.close()


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def first_byte_after(port: int, path: str) -> float:
    """Seconds from sending a GET until the first response byte arrives."""
    started = time.monotonic()
    sock = send_get(port, path)
    try:
        sock.recv(1)
        return time.monotonic() - started
    finally:
        sock.close()
