"""The harness's locustfile: ``locust -f locustfiles/harness.py --host http://EDGE``.

User classes: ``Viewer`` and ``Probe`` (see :mod:`locustfiles.users`); ``Attacker`` and
``Checkout`` only when ``--attackers N`` / ``--checkouts N`` ask for them
(:mod:`locustfiles.security_options`).

Extra arguments (also shown in the web UI):

``--requests-csv PATH``   append every request to PATH (``requests.csv`` columns), flushed
                          at least once a second and when the test stops.
``--probe-interval-ms N`` the probe's tick (default 100).
``--catalogue-size N``    how many ``/static/`` objects viewers pick from (default 200).
``--arrival-rate R``      viewers as an open model: R requests a second (``ArrivalViewer``).
``--max-in-flight N``     open model: at most N waiting; a due request beyond is dropped (an error row).
``--ready-file PATH``     written (``{"pid": ..., "ts": ...}``) when the load starts.
``--chaos-api URL``       the launcher's API (``make ui``): adds the "Chaos" tab to the web UI.

Distributed (``--processes N``, or ``--master`` and ``--worker``s): workers relay their request
rows to the master, which writes the one ``requests.csv`` (:mod:`locustfiles.relay`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from locust import events
from locust.runners import WorkerRunner

from contracts.ready import write_ready

try:
    from locustfiles import chaos_panel, relay
    from locustfiles.security_options import Attacker, Checkout, add_arguments, enable
    from locustfiles.users import DEFAULT_CATALOGUE_SIZE, DEFAULT_PROBE_INTERVAL_MS, ArrivalViewer, Probe, Viewer
except ModuleNotFoundError:  # run as a plain file, with the repository not on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from locustfiles import chaos_panel, relay
    from locustfiles.security_options import Attacker, Checkout, add_arguments, enable
    from locustfiles.users import DEFAULT_CATALOGUE_SIZE, DEFAULT_PROBE_INTERVAL_MS, ArrivalViewer, Probe, Viewer

__all__ = ["ArrivalViewer", "Attacker", "Checkout", "Probe", "Viewer"]

MIN_PROBE_INTERVAL_MS = 10  # 100 probes a second at most: the probe is a gauge, not load


def _int_at_least(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below the minimum {minimum}")
        return value

    return parse


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    parser.add_argument("--requests-csv", type=str, default="",
                        help="Append every request to this CSV (one row per request)")
    parser.add_argument("--probe-interval-ms", type=_int_at_least(MIN_PROBE_INTERVAL_MS),
                        default=DEFAULT_PROBE_INTERVAL_MS,
                        help="Probe user: one GET /api/probe every N ms (open model)")
    parser.add_argument("--catalogue-size", type=_int_at_least(1), default=DEFAULT_CATALOGUE_SIZE,
                        help="Viewer: number of /static/ objects (Zipf popularity)")
    parser.add_argument("--arrival-rate", type=float, default=0.0,
                        help="Viewers as an open model: this many requests a second (replaces Viewer)")
    parser.add_argument("--max-in-flight", type=_int_at_least(1), default=1000,
                        help="Open model: requests waiting at once before further ones are dropped")
    parser.add_argument("--tls-ca", type=str, default="",
                        help="Trust this CA (and only it) for an https:// host: the run's RUN/tls/ca.pem")
    parser.add_argument("--ready-file", type=str, default="",
                        help="Write {pid, ts} JSON here when the load starts")
    chaos_panel.add_arguments(parser)
    add_arguments(parser)  # --attackers, --checkouts, ... (locustfiles/security_options.py)


@events.init.add_listener
def _on_init(environment: Any, **_kwargs: Any) -> None:
    enable(environment)
    _open_model(environment)
    relay.install(environment)  # requests.csv here, or rows relayed to the master
    chaos_panel.install(environment)  # the web UI's Chaos tab, under `make ui`


def _open_model(environment: Any) -> None:
    """``--arrival-rate R``: one ArrivalViewer (R requests a second) instead of the Viewers."""
    options = environment.parsed_options
    rate = float(getattr(options, "arrival_rate", 0.0) or 0.0) if options is not None else 0.0
    if rate <= 0:
        return
    ArrivalViewer.fixed_count = 1
    ArrivalViewer.concurrency = int(getattr(options, "max_in_flight", 1000))
    environment.user_classes[:] = [c for c in environment.user_classes if c is not Viewer]
    if ArrivalViewer not in environment.user_classes:
        environment.user_classes.append(ArrivalViewer)


@events.test_start.add_listener
def _on_test_start(environment: Any, **_kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # the master (or the single process) says when the load started
    options = environment.parsed_options
    path = getattr(options, "ready_file", "") if options is not None else ""
    if not path:
        return
    write_ready(path, {"pid": os.getpid(), "ts": time.time()})
