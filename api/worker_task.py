"""An in-process worker (the sync worker, webhook delivery) as an asyncio task: started with the services, asked to
stop (then cancelled, after a bounded wait) when they close; a failure is logged when it happens, not when the
service stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Protocol

from api.readiness import one_line

log = logging.getLogger("api.bootstrap")  # where these lines have always been logged

WORKER_STOP_SECONDS = 10.0


class Worker(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...

    def wake(self) -> None: ...


def waking(*workers: Worker | None) -> Callable[[], None]:
    """Wakes each of the workers that run (a command committed: each has something to read)."""
    running_ones = [worker for worker in workers if worker is not None]

    def wake_all() -> None:
        for worker in running_ones:
            worker.wake()

    return wake_all


@asynccontextmanager
async def running(worker: Worker, name: str = "sync_worker") -> AsyncIterator[None]:
    """Runs the worker as a task; on exit asks it to stop, waits a bounded time, then cancels it."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name=name)
    task.add_done_callback(_log_exit(stop, name))
    try:
        yield
    finally:
        stop.set()
        worker.wake()
        try:
            await asyncio.wait_for(asyncio.shield(task), WORKER_STOP_SECONDS)
        except TimeoutError:
            log.warning("event=%s_stop_timeout seconds=%s action=cancelling", name, WORKER_STOP_SECONDS)
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        except Exception:  # the done callback has logged it
            log.debug("event=%s_stopped_with_error", name)


def _log_exit(stop: asyncio.Event, name: str) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        if task.cancelled() or stop.is_set():
            return
        error = task.exception()
        if error is not None:
            log.error("event=%s_failed error=%r", name, one_line(error), exc_info=error)

    return done
