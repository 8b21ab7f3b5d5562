"""Request rows across processes: workers relay them to the master, which logs them.

Wiring by role (:func:`install`, called from the locustfile's ``init`` listener):

    runner        requests made here        rows go to
    local         yes                       RequestLog (requests.csv) when --requests-csv is set
    master        no (workers make them)    RequestLog, fed by MESSAGE_TYPE messages
    worker        yes                       RowRelay -> master (only if the master logs)

A worker learns whether the master logs at test start: Locust copies the master's custom
options (``--requests-csv`` included) into every worker's ``parsed_options`` with the spawn
message, so a worker started on another machine without the flag still relays. The last batch
goes out in the worker's ``test_stop`` listener, which Locust runs before the worker tells the
master it stopped: when the master's own ``test_stop`` fires, every row is in.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gevent
from locust.runners import MasterRunner, WorkerRunner

from locustfiles.request_log import FLUSH_INTERVAL_S, MESSAGE_TYPE, RequestLog, event_row

log = logging.getLogger(__name__)


class RowRelay:
    """Worker side: every request's row goes to the master in batches, never to a file.

    Off until :meth:`enable` (the worker learns at test start, from the master's options,
    whether the master logs requests at all), so an unlogged run pays nothing.
    """

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.enabled = False
        self.rows: list[tuple[Any, ...]] = []
        self.sent = 0
        self._sender: gevent.Greenlet | None = None

    def enable(self, on: bool) -> None:
        self.enabled = on
        if on and (self._sender is None or self._sender.dead):
            self._sender = gevent.spawn(self._send_forever)

    def on_request(self, **event: Any) -> None:
        """Listener for ``events.request``: buffer one row (no IO here)."""
        if self.enabled:
            self.rows.append(event_row(**event))

    def send(self) -> None:
        """Send every buffered row to the master (one message)."""
        rows, self.rows = self.rows, []
        if rows:
            self.runner.send_message(MESSAGE_TYPE, rows)
            self.sent += len(rows)

    def _send_forever(self) -> None:
        while True:
            gevent.sleep(FLUSH_INTERVAL_S)
            try:
                self.send()
            except Exception as exc:  # a broken master connection must not kill the load
                log.error("sending request rows to the master: %s", exc)

    def close(self) -> None:
        if self._sender is not None:
            self._sender.kill(block=False)
            self._sender = None
        try:
            self.send()
        except Exception as exc:
            log.error("sending the last request rows to the master: %s", exc)


def _requests_csv(environment: Any) -> str:
    options = environment.parsed_options
    return str(getattr(options, "requests_csv", "") or "") if options is not None else ""


def install(environment: Any) -> RequestLog | RowRelay | None:
    """Attach the request logging of this process's role; returns what was attached."""
    runner = environment.runner
    events = environment.events
    if isinstance(runner, WorkerRunner):
        relay = RowRelay(runner)
        events.request.add_listener(relay.on_request)
        events.test_start.add_listener(lambda **_kw: relay.enable(bool(_requests_csv(environment))))
        events.test_stop.add_listener(lambda **_kw: relay.send())
        events.quitting.add_listener(lambda **_kw: relay.close())
        return relay
    path = _requests_csv(environment)
    if not path:
        return None
    request_log = RequestLog(Path(path))
    if isinstance(runner, MasterRunner):
        runner.register_message(MESSAGE_TYPE, request_log.on_relayed)
    else:
        events.request.add_listener(request_log.on_request)
    events.test_stop.add_listener(lambda **_kw: request_log.flush())
    # Not on `quitting`: on SIGTERM Locust fires quitting *before* runner.quit() stops the
    # users, and every request that ends (or is cut short) after it would be counted by
    # Locust but never written. `quit` is the last event of the process.
    events.quit.add_listener(lambda **_kw: request_log.close())
    request_log.start_flusher()
    return request_log
