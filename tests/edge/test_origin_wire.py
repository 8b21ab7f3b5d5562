"""What the edge makes of an origin's bytes on the wire: every fault the origins can do, and
the framings a real origin may use (chunked, until close, HEAD, a keep-alive connection the
origin closed while it sat in the pool), through a real edge.

The scripted origin below is a plain socket server that writes exactly the bytes a case
names, so the framing is the one under test and not whatever a web framework chooses.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.edge import configs
from tests.edge.conftest import EdgeFactory, RunningOrigin

# (fault type, attributes, path, the primary's attempt as the log writes it)
FAILING = [
    ("reset", {"when": "before-response"}, "/api/reset-before", "reset"),
    ("reset", {"when": "mid-body"}, "/api/reset-mid", "reset"),
    ("truncate", {"fraction": 0.5}, "/api/truncated", "reset"),
    ("slow-headers", {"ms": 1600}, "/api/slow-headers", "read-timeout"),
    ("hang", {}, "/api/hang", "read-timeout"),
    ("refuse", {}, "/api/refuse", "connect-refused"),
    ("status", {"status": 502}, "/api/status", "502"),
]


@pytest.mark.parametrize(("fault", "attrs", "path", "attempt"), FAILING,
                         ids=[f"{f[0]}-{f[1].get('when', f[1].get('fraction', ''))}" for f in FAILING])
def test_each_origin_fault_is_classified_and_fails_over(
        make_edge: EdgeFactory, primary: RunningOrigin, secondary: RunningOrigin,
        fault: str, attrs: dict[str, object], path: str, attempt: str) -> None:
    edge = make_edge(configs.distribution(read=1))
    assert edge.get(path).headers["X-Origin-Id"] == "primary"  # a pooled connection first
    primary.control.add_fault(type=fault, **attrs)
    response = edge.get(path)
    assert response.status_code == 200
    assert response.headers["X-Origin-Id"] == "secondary"
    assert response.json()["path"] == path
    edge.child.stop()
    record = edge.log_lines()[-1]
    assert record["x-origin-attempts"] == f"primary:{attempt}|secondary:200"


@pytest.mark.parametrize(("fault", "attrs", "path", "size"), [
    ("slow-headers", {"ms": 400}, "/static/slow-but-in-time", 1024),
    # 48 KiB at 32 KiB/s: 1.5 s in all, longer than the 1 s read timeout, but bytes keep
    # coming, and the timeout is between reads, not for the whole body.
    ("bandwidth", {"bytes_per_s": 32768}, "/static/trickle-49152", 49152),
])
def test_a_slow_origin_within_its_read_timeout_is_served(
        make_edge: EdgeFactory, primary: RunningOrigin, fault: str, attrs: dict[str, object],
        path: str, size: int) -> None:
    edge = make_edge(configs.distribution(read=1))
    primary.control.add_fault(type=fault, **attrs)
    response = edge.get(path)
    assert response.status_code == 200 and response.headers["X-Origin-Id"] == "primary"
    assert len(response.content) == size


def test_a_hang_on_a_pooled_connection_times_out_a_read_timeout_after_its_own_start(
        make_edge: EdgeFactory, primary: RunningOrigin) -> None:
    # A connection keeps one read timer from exchange to exchange (edge/wire/origin_pool.py):
    # the hang below starts 0.6 s into the timer the first exchange set, which fires early
    # and must set itself again for this exchange's own deadline, not time it out then.
    edge = make_edge(configs.distribution(read=1))
    assert edge.get("/api/first").headers["X-Origin-Id"] == "primary"
    time.sleep(0.6)
    primary.control.add_fault(type="hang")
    started = time.monotonic()
    response = edge.get("/api/hung")
    took = time.monotonic() - started
    assert response.headers["X-Origin-Id"] == "secondary"
    # 1 s read timeout: not 0.4 s (the first exchange's deadline), not 2 s (set twice over);
    # the upper bound leaves 0.5 s for a loaded machine
    assert 0.95 <= took < 1.5, took
    edge.child.stop()
    assert edge.log_lines()[-1]["x-origin-attempts"] == "primary:read-timeout|secondary:200"


# (method, path) -> (bytes, close after); a list of bytes is sent TRICKLE_S apart (a float
# in it: a pause of that many seconds before the origin reads its next request).
Script = Callable[[str, str], "tuple[bytes | list[bytes | float], bool]"]
TRICKLE_S = 0.4


class ScriptedOrigin:
    """A socket server that answers each request with the bytes ``script`` gives it."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def listen(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"{host}:{port}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            conn.settimeout(10)
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in
                           (line.split(":", 1) for line in lines[1:])}
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                self.requests.append((method, path, headers))
                answer, close = self.script(method, path)
                try:
                    if isinstance(answer, list):  # chunks TRICKLE_S apart; a number: a pause
                        for chunk in answer:
                            if isinstance(chunk, float):
                                time.sleep(chunk)
                                continue
                            conn.sendall(chunk)
                            time.sleep(TRICKLE_S)
                    else:
                        conn.sendall(answer)
                except OSError:
                    return
                if close:
                    return


@pytest.fixture
def scripted() -> Iterator[Callable[[Script], ScriptedOrigin]]:
    made: list[ScriptedOrigin] = []

    def make(script: Script) -> ScriptedOrigin:
        made.append(ScriptedOrigin(script))
        return made[-1]
    yield make
    for origin in made:
        origin.close()


def _fixed(status: str, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_chunked_until_close_head_and_no_content_framings(
        make_edge: EdgeFactory, secondary: RunningOrigin,
        scripted: Callable[[Script], ScriptedOrigin]) -> None:
    body = bytes(range(256)) * 40  # 10,240 bytes, every byte value

    def script(method: str, path: str) -> tuple[bytes, bool]:
        if path == "/solo/chunked":
            chunks = [body[:1000], body[1000:1001], body[1001:]]
            wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Framing: chunked\r\n\r\n"
            wire += b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in chunks)
            return wire + b"0\r\nX-Trailer: t\r\n\r\n", False
        if path == "/solo/until-close":
            return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body, True
        if path == "/solo/head":  # HEAD: a Content-Length and no body
            return b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nX-Framing: head\r\n\r\n", False
        if path == "/solo/empty":
            return b"HTTP/1.1 204 No Content\r\nX-Framing: none\r\n\r\n", False
        if path == "/solo/cookies":
            return _fixed("200 OK", b"ok", "Set-Cookie: a=1", "Set-Cookie: b=2"), False
        return _fixed("404 Not Found", b"no"), False

    origin = scripted(script)
    edge = make_edge(configs.distribution(read=1),
                     origins={"primary": origin.listen, "secondary": secondary.listen})
    chunked = edge.get("/solo/chunked")
    assert chunked.status_code == 200 and chunked.content == body
    assert chunked.headers["X-Framing"] == "chunked"
    assert "chunked" not in chunked.headers.get("Transfer-Encoding", "")
    until_close = edge.get("/solo/until-close")
    assert until_close.status_code == 200 and until_close.content == body
    head = edge.request("HEAD", "/solo/head")
    assert head.status_code == 200 and head.headers["X-Framing"] == "head"
    empty = edge.get("/solo/empty")
    assert empty.status_code == 204 and empty.content == b""
    cookies = edge.get("/solo/cookies")
    assert cookies.status_code == 200 and cookies.content == b"ok"
    assert cookies.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    # Answers that end by their framing leave the connection reusable: one connection for
    # the chunked, HEAD, 204 and cookie answers, one for the answer that ended by closing.
    assert origin.connections == 2
    edge.child.stop()
    attempts = [r["x-origin-attempts"] for r in edge.log_lines()]
    assert attempts == ["primary:200", "primary:200", "primary:200", "primary:204", "primary:200"]


def test_a_pooled_connection_the_origin_closed_is_not_an_origin_failure(
        make_edge: EdgeFactory, secondary: RunningOrigin,
        scripted: Callable[[Script], ScriptedOrigin]) -> None:
    # The origin's keep-alive timeout is shorter than the edge's: it closes each connection
    # right after answering, without saying so. The edge finds out only when it reuses it.
    origin = scripted(lambda method, path: (_fixed("200 OK", b"fresh"), True))
    edge = make_edge(configs.distribution(read=1),
                     origins={"primary": origin.listen, "secondary": secondary.listen})
    for n in range(4):
        response = edge.get(f"/solo/stale-{n}")
        assert response.status_code == 200 and response.content == b"fresh"
        time.sleep(0.1)  # the FIN arrives while the connection sits in the pool
    assert origin.connections == 4
    edge.child.stop()
    assert [r["x-origin-attempts"] for r in edge.log_lines()] == ["primary:200"] * 4


@pytest.mark.parametrize(("wire", "attempt"), [
    (b"HTTP/1.1 two hundred OK\r\n\r\n", "invalid-response"),
    (b"SPDY nonsense\r\n\r\n", "invalid-response"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "invalid-response"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid-response"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", "reset"),
])
def test_an_answer_that_is_not_http_is_an_invalid_response(
        make_edge: EdgeFactory, secondary: RunningOrigin,
        scripted: Callable[[Script], ScriptedOrigin], wire: bytes, attempt: str) -> None:
    origin = scripted(lambda method, path: (wire, True))
    edge = make_edge(configs.distribution(read=1),
                     origins={"primary": origin.listen, "secondary": secondary.listen})
    response = edge.get("/api/garbled")
    assert response.status_code == 200 and response.headers["X-Origin-Id"] == "secondary"
    solo = edge.get("/solo/garbled")
    assert solo.status_code == 502
    edge.child.stop()
    records = edge.log_lines()
    assert records[0]["x-origin-attempts"] == f"primary:{attempt}|secondary:200"
    assert records[1]["x-edge-detailed-result-type"] == (
        "OriginInvalidResponseError" if attempt == "invalid-response" else "OriginReadError")


def test_what_the_edge_sends_the_origin(make_edge: EdgeFactory, secondary: RunningOrigin,
                                        scripted: Callable[[Script], ScriptedOrigin]) -> None:
    origin = scripted(lambda method, path: (_fixed("200 OK", b"ok"), False))
    edge = make_edge(configs.distribution(read=1),
                     origins={"primary": origin.listen, "secondary": secondary.listen})
    # CachingDisabled and no origin request policy: CloudFront forwards no query string.
    assert edge.request("POST", "/form/pay?x=1", data=b"card=4111").status_code == 200
    method, path, headers = origin.requests[-1]
    assert (method, path) == ("POST", "/form/pay")
    assert headers["content-length"] == "9"
    assert headers["host"] == "primary.origin.example.com"
    assert headers["user-agent"] == "Amazon CloudFront"
    assert requests.get(edge.url + "/solo/plain", timeout=20).status_code == 200
    assert origin.requests[-1][2].get("content-length") is None


def test_a_connection_idle_past_the_origins_keepalive_timeout_is_not_reused(
        make_edge: EdgeFactory, secondary: RunningOrigin,
        scripted: Callable[[Script], ScriptedOrigin]) -> None:
    origin = scripted(lambda method, path: (_fixed("200 OK", b"ok"), False))
    document = configs.distribution(read=1)
    document["DistributionConfig"]["Origins"]["Items"][0]["CustomOriginConfig"]["OriginKeepaliveTimeout"] = 1
    edge = make_edge(document, origins={"primary": origin.listen, "secondary": secondary.listen})
    for n in range(3):  # back to back: one connection
        assert edge.get(f"/solo/keep-{n}").status_code == 200
    assert origin.connections == 1
    time.sleep(1.3)  # past OriginKeepaliveTimeout (1 s): the edge opens a new one
    assert edge.get("/solo/keep-late").status_code == 200
    assert origin.connections == 2


def test_a_connection_cut_short_by_the_completion_timeout_is_not_reused(
        make_edge: EdgeFactory, secondary: RunningOrigin,
        scripted: Callable[[Script], ScriptedOrigin]) -> None:
    # A byte every 0.4 s until 1.6 s, then silence: the 1 s read timeout would fire at 2.6 s,
    # ResponseCompletionTimeout (2 s) ends the exchange first. The half-read connection must
    # not carry the next request: the origin would not read it for another 3 s.
    def script(method: str, path: str) -> tuple[bytes | list[bytes | float], bool]:
        if path == "/solo/stuck":
            return [b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n", *[b"x"] * 4, 3.0], False
        return _fixed("200 OK", b"whole"), False

    origin = scripted(script)
    document = configs.distribution(read=1)
    document["DistributionConfig"]["Origins"]["Items"][0]["ResponseCompletionTimeout"] = 2
    edge = make_edge(document, origins={"primary": origin.listen, "secondary": secondary.listen})
    started = time.monotonic()
    assert edge.get("/solo/stuck").status_code == 504
    assert 1.9 <= time.monotonic() - started <= 4.0  # the 2 s cap, plus a busy machine's overhead
    after = edge.get("/solo/next")
    assert after.status_code == 200 and after.content == b"whole"
    assert origin.connections == 2


def test_a_request_dropped_unanswered_is_asked_once_more_on_a_new_connection(
        make_edge: EdgeFactory, secondary: RunningOrigin,
        scripted: Callable[[Script], ScriptedOrigin]) -> None:
    # A fresh connection, closed by the origin without a byte (a hang released, a restart):
    # a GET is sent once more, within the same attempt; a POST is not (it may have been done).
    dropped: list[str] = []

    def script(method: str, path: str) -> tuple[bytes, bool]:
        if path not in dropped:
            dropped.append(path)
            return b"", True
        return _fixed("200 OK", b"second time"), False

    origin = scripted(script)
    edge = make_edge(configs.distribution(read=1),
                     origins={"primary": origin.listen, "secondary": secondary.listen})
    response = edge.get("/solo/dropped")
    assert response.status_code == 200 and response.content == b"second time"
    assert origin.connections == 2
    assert edge.request("POST", "/form/dropped", data=b"x").status_code == 502
    edge.child.stop()
    assert [r["x-origin-attempts"] for r in edge.log_lines()] == ["primary:200", "primary:reset"]
