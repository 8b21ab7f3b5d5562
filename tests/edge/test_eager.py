"""edge.wire.eager: a coroutine's first step runs in the caller, the rest as a task."""

from __future__ import annotations

import asyncio

import pytest

from edge.wire import eager


def test_a_coroutine_that_never_waits_runs_whole_and_needs_no_task() -> None:
    steps: list[str] = []

    async def answer() -> None:
        steps.append("answered")

    async def main() -> None:
        assert eager.start(asyncio.get_running_loop(), answer()) is None
        assert steps == ["answered"]  # before start returned, not on a later turn of the loop

    asyncio.run(main())


def test_the_first_step_runs_at_once_and_a_task_goes_on_after_the_wait() -> None:
    steps: list[str] = []

    async def miss(origin: asyncio.Future[str]) -> None:
        steps.append("asked")
        steps.append(await origin)
        await asyncio.sleep(0)  # and any later waits
        steps.append("answered")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        origin: asyncio.Future[str] = loop.create_future()
        task = eager.start(loop, miss(origin))
        assert steps == ["asked"] and task is not None and not task.done()
        origin.set_result("origin's answer")
        await asyncio.wait_for(task, 5)
        assert steps == ["asked", "origin's answer", "answered"]

    asyncio.run(main())


def test_cancelling_the_task_reaches_the_coroutines_handler() -> None:
    steps: list[str] = []

    async def miss(origin: asyncio.Future[None]) -> None:
        try:
            await origin
        except asyncio.CancelledError:
            steps.append("logged as a hang-up")
            raise

    async def main() -> None:
        loop = asyncio.get_running_loop()
        origin: asyncio.Future[None] = loop.create_future()
        task = eager.start(loop, miss(origin))
        assert task is not None
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert steps == ["logged as a hang-up"] and task.cancelled() and origin.cancelled()

    asyncio.run(main())


def test_an_error_in_the_first_step_is_raised_to_the_caller_and_one_later_to_the_task() -> None:
    async def broken() -> None:
        raise LookupError("first step")

    async def broken_later(origin: asyncio.Future[None]) -> None:
        await origin
        raise LookupError("after the wait")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        with pytest.raises(LookupError, match="first step"):
            eager.start(loop, broken())
        origin: asyncio.Future[None] = loop.create_future()
        task = eager.start(loop, broken_later(origin))
        assert task is not None
        origin.set_result(None)
        with pytest.raises(LookupError, match="after the wait"):
            await asyncio.wait_for(task, 5)

    asyncio.run(main())
