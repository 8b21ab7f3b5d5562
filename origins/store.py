"""The active faults of one origin, shared by the control app (writes) and the data app (reads).

The data path reads an immutable tuple (:meth:`FaultStore.snapshot`), so a request never
sees a half-applied change. Each fault gets an Event that is set when it is removed; a
hanging request waits on the Event of the fault that made it hang.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any, Callable

from origins.errors import FaultConflict, FaultNotFound, FaultSpecError
from origins.faults import ActiveFault, Fault, parse_fault
from origins.faults.refuse import Refuse
from origins.faults.tls import Tls


class FaultStore:
    """Ordered active faults with unique names."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, tls: bool = False) -> None:
        self._clock = clock
        self._tls = tls  # the origin has a TLS listener (the tls fault needs one)
        self._active: tuple[ActiveFault, ...] = ()
        self._released: dict[str, threading.Event] = {}
        self._listeners: list[Callable[[], None]] = []

    def snapshot(self) -> tuple[ActiveFault, ...]:
        return self._active

    def faults(self) -> list[Fault]:
        return [item.fault for item in self._active]

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every change (the server syncs the refuse state with it)."""
        self._listeners.append(listener)

    def refused(self) -> bool:
        return any(isinstance(item.fault.effect, Refuse) for item in self._active)

    def tls_certificate(self) -> str | None:
        """The broken certificate a tls fault serves (the first one added), or None."""
        return next((item.fault.effect.certificate for item in self._active
                     if isinstance(item.fault.effect, Tls)), None)

    def add(self, body: Any) -> Fault:
        """Validate and add a fault; raises FaultSpecError (400) or FaultConflict (409)."""
        explicit, fault = parse_fault(body)
        if isinstance(fault.effect, Tls) and not self._tls:
            raise FaultSpecError("faults.type: 'tls' needs an origin with a TLS listener "
                                 "(python -m origins --listen-tls HOST:PORT --tls-dir DIR)")
        names = {item.fault.name for item in self._active}
        if explicit is not None:
            if explicit in names:
                raise FaultConflict(f"faults.name: a fault named {explicit!r} exists already")
        else:
            fault = _with_free_name(fault, names)
        self._released[fault.name] = threading.Event()
        self._active = self._active + (ActiveFault(fault=fault, added_at=self._clock()),)
        self._changed()
        return fault

    def delete(self, name: str) -> None:
        if not any(item.fault.name == name for item in self._active):
            raise FaultNotFound(f"no fault named {name!r}")
        self._active = tuple(item for item in self._active if item.fault.name != name)
        self._released.pop(name).set()
        self._changed()

    def reset(self) -> None:
        """Remove every fault and release every hanging request."""
        self._active = ()
        released, self._released = self._released, {}
        for event in released.values():
            event.set()
        self._changed()

    def release_all(self) -> None:
        """Release every hanging request but keep the faults (used when shutting down)."""
        for event in self._released.values():
            event.set()

    def released_event(self, name: str) -> threading.Event:
        """The Event set when fault ``name`` is removed (already set if it is gone)."""
        event = self._released.get(name)
        if event is None:
            event = threading.Event()
            event.set()
        return event

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()


def _with_free_name(fault: Fault, taken: set[str]) -> Fault:
    base, n, name = fault.name, 1, fault.name
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return replace(fault, name=name)
