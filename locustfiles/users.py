"""The simulated viewers.

* :class:`Viewer` - a closed-model browser: Zipf-popular objects under ``/static/`` and
  about 10 % uncacheable ``/api/`` calls, at most 10 requests a second per user.
* :class:`Probe` - exactly one per run, open model: one ``GET /api/probe`` per tick on a
  fixed grid, each in its own greenlet, so a hung request never delays the next tick. It
  gives failover measurements a fixed time resolution whatever the viewer load does.
* :class:`ArrivalViewer` - the viewers' requests as an open model instead (k6's
  constant-arrival-rate executor): ``--arrival-rate`` requests a second on a fixed schedule,
  each in its own greenlet, at most ``--max-in-flight`` at once. A request's latency is
  measured from the time it was *due*, so a stall (of the edge, or of this process) shows in
  full instead of hiding behind requests never sent (coordinated omission). Every latency
  also goes into an HDR histogram, written next to the request log as ``viewers-latency.hgrm``.

Request names group by kind (``/static/[obj]``, ``/api/[x]``, ``/api/probe``) so Locust's
statistics stay readable; the per-request log records the same names.
"""

from __future__ import annotations

import random
import time
from typing import Any

import gevent.ssl
from gevent import GreenletExit
from gevent.pool import Group
from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

from contracts.defaults import PROBE_INTERVAL_MS as DEFAULT_PROBE_INTERVAL_MS
from contracts.defaults import VIEWER_MAX_RPS  # per user: a bound on load, not a target
from locustfiles.catalogue import catalogue

DEFAULT_CATALOGUE_SIZE = 200


def _option(user: Any, name: str, default: Any) -> Any:
    return _option_of(user.environment, name, default)


def _option_of(environment: Any, name: str, default: Any) -> Any:
    options = getattr(environment, "parsed_options", None)
    value = getattr(options, name, None)
    return default if value is None else value


class Interrupted(Exception):
    """The error of a request the end of the load cut short (its row's ``error`` starts with
    the class name, contracts.requests_csv.INTERRUPTED)."""


def trust_run_ca(user: FastHttpUser, environment: Any) -> None:
    """Before FastHttpUser makes its client: an https:// host is checked against the run's CA
    (``--tls-ca``), never accepted blindly (Locust's default is ``insecure``)."""
    ca = str(_option_of(environment, "tls_ca", "") or "")
    if ca:
        user.insecure = False
        # geventhttpclient passes its own cafile (certifi's bundle): the run's CA replaces it.
        def factory(cafile: str | None = None, **_: Any) -> Any:
            return gevent.ssl.create_default_context(cafile=ca)

        user.ssl_context_factory = factory


class _HarnessUser(FastHttpUser):
    abstract = True
    # A hung origin makes the edge wait for its read timeout (seconds), never minutes.
    network_timeout = 10.0
    connection_timeout = 5.0

    def __init__(self, environment: Any) -> None:
        trust_run_ca(self, environment)
        super().__init__(environment)

    def context(self) -> dict[str, Any]:
        # The request log reads the user kind from here (one row column).
        return {"user": type(self).__name__}

    def get(self, path: str, name: str) -> None:
        """``GET path``. When the load stops while it is in flight (Locust kills the user's
        greenlet, and FastHttpSession then fires no event), it is still one request row:
        interrupted, with the time it had waited so far (contracts/requests_csv.py)."""
        started, clock = time.time(), time.perf_counter()
        try:
            self.get_checked(path, name)
        except GreenletExit:
            self.environment.events.request.fire(
                request_type="GET", name=name, response_time=(time.perf_counter() - clock) * 1000,
                response_length=0, response=None, context=self.context(), start_time=started,
                exception=Interrupted("the load stopped while this request was in flight"))
            raise


    def get_checked(self, path: str, name: str) -> None:
        """The GET, with its answer checked: a 200 that is not what was asked for counts as an
        error, ``WrongContent``, though its status is 200 (say, an error page edge code made up).
        A catalogue object's name says its size (``obj-RANK-SIZE``); an ``/api/`` answer is JSON."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200:
                wrong = wrong_content(path, len(response.content or b""), response.headers.get("Content-Type"))
                if wrong:
                    response.failure(WrongContent(wrong))


class WrongContent(Exception):
    """A 200 whose body is not the object asked for."""


def wrong_content(path: str, size: int, content_type: str | None) -> str | None:
    """Why a 200 for ``path`` is not what the origins serve there, or None (pure)."""
    if path.startswith("/static/"):
        tail = path.rsplit("-", 1)[-1]
        if tail.isdigit() and size != int(tail):
            return f"{size} bytes where {path} has {tail}: not the object asked for"
    elif path.startswith("/api/") and not (content_type or "").startswith("application/json"):
        return f"{content_type or 'no Content-Type'} where {path} answers JSON: not the API's answer"
    return None


def next_request(rng: random.Random, objects: Any) -> tuple[str, str]:
    """What a viewer asks for next: nine catalogue objects (Zipf) for one uncacheable call."""
    if rng.random() < 0.9:
        return objects.pick(rng), "/static/[obj]"
    return f"/api/item-{rng.randrange(1000)}", "/api/[x]"


class Viewer(_HarnessUser):
    """A viewer browsing the catalogue (``--catalogue-size`` objects, Zipf popularity)."""

    wait_time = constant_throughput(VIEWER_MAX_RPS)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.catalogue = catalogue(int(_option(self, "catalogue_size", DEFAULT_CATALOGUE_SIZE)))

    @task(9)
    def static_object(self) -> None:
        self.get(self.catalogue.pick(self.rng), name="/static/[obj]")

    @task(1)
    def api_call(self) -> None:
        self.get(f"/api/item-{self.rng.randrange(1000)}", name="/api/[x]")


class Probe(_HarnessUser):
    """One ``GET /api/probe`` every ``--probe-interval-ms``, whatever the last one is doing."""

    fixed_count = 1
    # Ticks overlap while the edge waits on a dead origin: allow that many connections.
    concurrency = 64

    def on_start(self) -> None:
        self.in_flight = Group()
        self.interval = int(_option(self, "probe_interval_ms", DEFAULT_PROBE_INTERVAL_MS)) / 1000.0
        self.start = time.monotonic()
        self.tick = 0

    def on_stop(self) -> None:
        # Blocking (briefly): each tick in flight records its interrupted row before the
        # request log's last flush.
        self.in_flight.kill(block=True, timeout=2.0)

    def wait_time(self) -> float:
        # Ticks sit on a fixed grid from `start` (no drift); a tick missed because the process
        # was starved is skipped rather than fired late in a burst. Waiting in Locust's own
        # wait (not a sleep inside the task) lets a stop end the probe at once.
        self.tick = max(self.tick + 1, int((time.monotonic() - self.start) / self.interval) + 1)
        return max(0.0, self.start + self.tick * self.interval - time.monotonic())

    @task
    def tick_once(self) -> None:
        self.in_flight.spawn(self.probe_once)

    def probe_once(self) -> None:
        self.get("/api/probe", name="/api/probe")


class ArrivalViewer(_HarnessUser):
    """Viewers as an open model: ``--arrival-rate`` requests a second, due on a fixed grid."""

    weight = 0  # off unless --arrival-rate switches it on (locustfiles/harness.py): then exactly one
    fixed_count = 0
    concurrency = 1000  # connections: set to --max-in-flight before the user is made

    def on_start(self) -> None:
        self.rng = random.Random()
        self.catalogue = catalogue(int(_option(self, "catalogue_size", DEFAULT_CATALOGUE_SIZE)))
        self.rate = float(_option(self, "arrival_rate", 0.0))
        self.max_in_flight = int(_option(self, "max_in_flight", 1000))
        self.in_flight = Group()
        self.start = time.time()
        self.due_index = 0
        self.histogram = latency_histogram()

    def on_stop(self) -> None:
        self.in_flight.kill(block=True, timeout=2.0)
        write_histogram(self.histogram, _option(self, "requests_csv", ""))

    def wait_time(self) -> float:
        # Never skip a due request: when this process falls behind, the late ones go out at
        # once and their latency, counted from when they were due, says how late.
        return max(0.0, self.start + self.due_index / self.rate - time.time())

    @task
    def arrive(self) -> None:
        due = self.start + self.due_index / self.rate
        self.due_index += 1
        if len(self.in_flight) >= self.max_in_flight:
            self.environment.events.request.fire(
                request_type="GET", name="/dropped", response_time=0.0, response_length=0, response=None,
                context=self.context(), start_time=due,
                exception=Dropped(f"{self.max_in_flight} requests already in flight (max_in_flight)"))
            return
        path, name = next_request(self.rng, self.catalogue)
        self.in_flight.spawn(self.arrive_once, path, name, due)

    def arrive_once(self, path: str, name: str, due: float) -> None:
        context = {**self.context(), "intended": due}
        try:
            self.client.get(path, name=name, context=context)
        except GreenletExit:
            self.environment.events.request.fire(
                request_type="GET", name=name, response_time=(time.time() - due) * 1000,
                response_length=0, response=None, context=context, start_time=due,
                exception=Interrupted("the load stopped while this request was in flight"))
            raise
        self.histogram.record_value(max(1, int((time.time() - due) * 1_000_000)))  # µs


class Dropped(Exception):
    """A due request not sent: ``max_in_flight`` were already waiting (an error row)."""


HISTOGRAM_FILE = "viewers-latency.hgrm"


def latency_histogram() -> Any:
    """1 µs to 10 min at 3 significant digits (HdrHistogram's usual precision)."""
    from hdrh.histogram import HdrHistogram

    return HdrHistogram(1, 600_000_000, 3)


def write_histogram(histogram: Any, requests_csv: str) -> None:
    """The percentile distribution (HdrHistogram's .hgrm text, in ms) beside the request log."""
    if not requests_csv or histogram.get_total_count() == 0:
        return
    import io
    import re
    from pathlib import Path

    out = io.BytesIO()
    histogram.output_percentile_distribution(out, 1000.0)
    # The library scales every figure to ms but the standard deviation (left in µs): fix it.
    text = re.sub(r"StdDeviation\s*=\s*[\d.]+", f"StdDeviation   = {histogram.get_stddev() / 1000.0:12.3f}",
                  out.getvalue().decode("ascii"))
    (Path(requests_csv).parent / HISTOGRAM_FILE).write_text(text, encoding="ascii")
