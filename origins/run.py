"""Assemble and run one origin process: store, stats, apps, listeners, ready file, signals."""

from __future__ import annotations

import os
import signal

import gevent
from gevent.event import Event

from contracts.address import format_address
from contracts.ready import write_ready
from contracts.token import new_token
from origins.chaos import ChaosMiddleware
from origins.cli import OriginConfig
from origins.control_app import create_control_app
from origins.data_app import create_data_app
from origins.errors import UsageError
from origins.security.access_control import register_access_routes
from origins.security.access_middleware import AccessMiddleware
from origins.server import DataListener, control_server
from origins.stats import Stats
from origins.store import FaultStore


def serve(config: OriginConfig) -> int:
    """Serve until SIGTERM or SIGINT; returns the exit code (0 on a clean stop)."""
    token = config.token or new_token()  # always a token: given, or random for this process
    store = FaultStore(tls=config.listen_tls is not None)
    stats = Stats()
    chaos = ChaosMiddleware(
        create_data_app(config.origin_id, config.max_age, config.security.decryptor),
        config.origin_id, store, stats, sleep=gevent.sleep,
    )
    # Access is checked at the front door, before any fault: a failing private bucket still
    # refuses strangers with 403 (origins/security/access.py).
    data_app = access = AccessMiddleware(chaos, config.origin_id, config.security.access, stats=stats)
    data = DataListener(*config.listen, data_app)
    secure = (DataListener(*config.listen_tls, data_app, tls_dir=config.tls_dir)
              if config.listen_tls is not None else None)
    listeners = [data] + ([secure] if secure is not None else [])
    try:
        for listener in listeners:
            listener.open()
        control_app = create_control_app(config.origin_id, store, stats, token)
        register_access_routes(control_app, config.origin_id, access)
        control = control_server(*config.control, control_app)
    except OSError as exc:
        for listener in listeners:
            listener.close()
        raise UsageError(f"cannot listen: {exc.strerror or exc}") from None
    def sync_listeners() -> None:
        for listener in listeners:
            listener.set_refused(store.refused())
        if secure is not None:
            secure.set_certificate(store.tls_certificate())

    store.on_change(sync_listeners)

    stopping = Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(sig, stopping.set)

    ready = {
        "token": token,  # in the file (mode 600) only, never on stdout
        "id": config.origin_id,
        "pid": os.getpid(),
        "listen": format_address(data.host, data.port),
        "listen_tls": format_address(secure.host, secure.port) if secure is not None else None,
        "control": format_address(*control.address[:2]),
    }
    try:
        write_ready(config.ready_file, ready)
    except OSError as exc:
        raise UsageError(f"--ready-file {config.ready_file}: {exc.strerror or exc}") from None

    stopping.wait()
    # Stop accepting, release hanging requests, close idle connections; the rest of the
    # in-flight handlers get a short grace, well inside the 2 s the contract allows.
    control.close()
    for listener in listeners:
        listener.close()
    store.release_all()
    gevent.sleep(0.05)
    control.stop(timeout=0.5)
    return 0
