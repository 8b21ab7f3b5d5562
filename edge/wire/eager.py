"""Run a coroutine's first step at once, in the callback that has its input.

``loop.create_task`` runs a coroutine's first step on the loop's next turn: a request that
is not a plain hit (a miss, a hit with a Range or a response headers policy) waited for a
turn of the loop before anything of it ran, a miss before its request went to the origin.
On the miss benchmark's one connection that turn was 5.5 us of the 31 us of Python before
the origin request (BENCHMARKS.md, #17). A request that never waits (a generated answer, a
hit with a Range) now needs no task at all.

This is what Python 3.12's eager task factory does, for one coroutine: its first step runs
with no current task (nothing the edge runs before its first ``await`` asks for one).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator
from typing import Any


def start(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` up to its first wait; a task that goes on from there, or None if it
    finished without one. An exception from the first step is raised here, to the caller."""
    try:
        awaiting = coro.send(None)
    except StopIteration:
        return None
    return loop.create_task(_resumed(coro, awaiting))  # type: ignore[arg-type]


@types.coroutine
def _resumed(coro: Coroutine[Any, Any, None], awaiting: Any) -> Generator[Any, Any, None]:
    """Go on with ``coro`` from where its first step stopped: hand the task what it waits on,
    and everything the task sends or throws (a cancellation) on to ``coro``."""
    while True:
        try:
            value = yield awaiting
        except GeneratorExit:  # the task was destroyed still waiting: so is the coroutine
            coro.close()
            raise
        except BaseException as exc:  # noqa: BLE001  # CancelledError, to the coroutine's handlers
            try:
                awaiting = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            awaiting = coro.send(value)
        except StopIteration:
            return
