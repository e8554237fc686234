"""The in-process sync worker as an asyncio task: started with the services, asked to stop (then cancelled,
after a bounded wait) when they close; a failure is logged when it happens, not when the service stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from api.readiness import one_line
from sync.worker import SyncWorker

log = logging.getLogger("api.bootstrap")  # where these lines have always been logged

WORKER_STOP_SECONDS = 10.0


@asynccontextmanager
async def running(worker: SyncWorker) -> AsyncIterator[None]:
    """Runs the worker as a task; on exit asks it to stop, waits a bounded time, then cancels it."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="sync-worker")
    task.add_done_callback(_log_exit(stop))
    try:
        yield
    finally:
        stop.set()
        worker.wake()
        try:
            await asyncio.wait_for(asyncio.shield(task), WORKER_STOP_SECONDS)
        except TimeoutError:
            log.warning("event=sync_worker_stop_timeout seconds=%s action=cancelling", WORKER_STOP_SECONDS)
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        except Exception:  # the done callback has logged it
            log.debug("event=sync_worker_stopped_with_error")


def _log_exit(stop: asyncio.Event) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        if task.cancelled() or stop.is_set():
            return
        error = task.exception()
        if error is not None:
            log.error("event=sync_worker_failed error=%r", one_line(error), exc_info=error)

    return done
