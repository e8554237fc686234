"""Reader -> deliverer -> committer, overlapped: while a batch's `_bulk` request is in flight, the next batch is
read from the database and projected (and, with `bulks_in_flight` > 1, sent too), and the previous batch's
checkpoint is written.

The pipeline is generic: the live worker runs one per partition it holds, commits to that partition's checkpoint
and dead-letters refused records; a rebuild's replay reads every partition, commits nowhere and leaves refused
records to the live worker. Batches are delivered strictly in order
and committed strictly in order, so a commit at position P means every record up to P was acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import OutboxPosition
from domain.storage import outbox_reading
from domain.storage.outbox_reading import PartitionRead
from sync.batches import Batch, prepare, split_by_bytes, still_current
from sync.delivery import Delivered, Deliverer
from sync.options import SyncOptions
from sync.retry import DATABASE_ERRORS, Interrupted, Outage, retrying

log = logging.getLogger(__name__)

FIRST_BATCH = 128


@dataclass(frozen=True, slots=True)
class Applied:
    """What the committer needs of a delivered batch (not its records: the commit queue stays small)."""

    end: OutboxPosition
    models: frozenset[str]
    tail: bool
    events: int


Settle = Callable[[Batch, Delivered], Awaitable[None]]
Commit = Callable[[list[Applied], bool], Awaitable[None]]


class Pipeline:
    def __init__(
        self,
        engine: AsyncEngine,
        deliverer: Deliverer,
        options: SyncOptions,
        *,
        db_outage: Outage,
        models: Collection[str] | None = None,
        wake: asyncio.Event | None = None,
        on_db_retry: Callable[[], None] | None = None,
        partition: int | None = None,
    ) -> None:
        """`partition`: the outbox partition read (None: all of them)."""
        self._engine = engine
        self._partition = partition
        self._deliverer = deliverer
        self._options = options
        self._db_outage = db_outage
        self._models = models
        self._wake = wake
        self._on_db_retry = on_db_retry

    async def run(
        self,
        start: OutboxPosition,
        halt: asyncio.Event,
        *,
        until: OutboxPosition | None,
        settle: Settle,
        commit: Commit,
    ) -> OutboxPosition:
        """Delivers from `start` until `halt` is set or, given `until`, until every record up to it is delivered.

        Returns the last committed position. Once halted, the batch in flight finishes (unless it must wait to be
        retried) and batches read ahead are dropped: they will be read again.
        """
        batches: asyncio.Queue[Batch | None] = asyncio.Queue(maxsize=2)
        commits: asyncio.Queue[Applied | None] = asyncio.Queue()
        reader = asyncio.create_task(self._read(start, halt, until, batches), name="sync-reader")
        committed = [start]
        committer = asyncio.create_task(self._commit_loop(commits, commit, committed), name="sync-committer")
        flow = _Flow(batches, reader, self._options.bulks_in_flight)
        try:
            while True:
                if flow.oldest_delivered():  # settle and commit strictly in order
                    batch, delivered = flow.pop()
                    await settle(batch, delivered)
                    commits.put_nowait(Applied(batch.end, frozenset(batch.models), batch.tail, len(batch.records)))
                    continue
                accepting = flow.accepting() and not halt.is_set() and not committer.done()
                if not accepting and not flow.window:
                    break
                received = await flow.next_event(accepting, committer)
                if received is not None:
                    current = still_current(received, self._deliverer.acknowledged, models=self._models)
                    flow.send(current, self._deliverer.deliver(current.ops, halt))
        except Interrupted:
            pass
        finally:
            await flow.close()
            commits.put_nowait(None)
            with suppress(Interrupted):
                await committer
        return committed[-1]

    async def _commit_loop(
        self, commits: asyncio.Queue[Applied | None], commit: Commit, out: list[OutboxPosition]
    ) -> None:
        final = False
        while not final:
            item = await commits.get()
            group: list[Applied] = []
            while item is not None:
                group.append(item)
                if commits.empty():
                    break
                item = commits.get_nowait()
            final = item is None
            if group:
                await commit(group, final)
                out.append(group[-1].end)

    async def _read(
        self,
        position: OutboxPosition,
        halt: asyncio.Event,
        until: OutboxPosition | None,
        out: asyncio.Queue[Batch | None],
    ) -> None:
        limit = min(self._options.batch_size, FIRST_BATCH)
        at_horizon = False  # `position` is a horizon a read reached, not the last record of a full read
        recorded_at = time.monotonic()
        while not halt.is_set():
            if self._wake is not None:
                self._wake.clear()
            read = await self._read_partition(position, limit, halt)
            if not read.records:
                idle_due = read.others_ahead and time.monotonic() - recorded_at >= self._options.idle_advance_seconds
                if read.reached > position and (not at_horizon or idle_due):
                    # Nothing new, but the partition is covered further than its checkpoint says: record it, a
                    # batch without records, so that no reader waits on this partition. At once after a full
                    # read; else at most every `idle_advance_seconds`, and only while other partitions hold records
                    # beyond it (what a read waiting on every partition may wait for): an idle outbox writes nothing.
                    await out.put(prepare([], tail=True, end=read.reached))
                    position, at_horizon, recorded_at = read.reached, True, time.monotonic()
                    continue
                if until is not None and position >= until:
                    break
                await self._idle(halt)
                continue
            if read.exhausted and self._options.linger_seconds > 0:
                await asyncio.sleep(self._options.linger_seconds)
                more = await self._read_partition(read.reached, limit - len(read.records), halt)
                read = PartitionRead(read.records + more.records, more.reached, more.exhausted)
            # Slow start: after the outbox ran dry the first batch is small, so the next one is read and
            # projected while it is in flight; then batches double up to `batch_size`.
            limit = min(self._options.batch_size, FIRST_BATCH if read.exhausted else 2 * limit)
            runs = split_by_bytes(read.records, self._options.max_batch_bytes)
            for i, run in enumerate(runs):
                last = i == len(runs) - 1
                batch = prepare(
                    run,
                    tail=read.exhausted and last,
                    end=read.reached if last else None,
                    models=self._models,
                    acknowledged=self._deliverer.acknowledged,
                )
                await out.put(batch)
            position, at_horizon, recorded_at = read.reached, read.exhausted, time.monotonic()
            if until is not None and position >= until:
                break
        await out.put(None)

    async def _read_partition(self, position: OutboxPosition, limit: int, halt: asyncio.Event) -> PartitionRead:
        async def read() -> PartitionRead:
            async with self._engine.connect() as connection:
                return await outbox_reading.read_partition(
                    connection, position, limit, partition=self._partition, for_projection=True
                )

        return await retrying(
            read,
            errors=DATABASE_ERRORS,
            outage=self._db_outage,
            halt=halt,
            base=self._options.backoff_base_seconds,
            cap=self._options.backoff_cap_seconds,
            on_retry=self._on_db_retry,
        )

    async def _idle(self, halt: asyncio.Event) -> None:
        """Waits for `wake()`, `halt` or the poll interval, whichever comes first."""
        events = [halt] if self._wake is None else [halt, self._wake]
        if any(event.is_set() for event in events):
            return
        waiters = [asyncio.create_task(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, timeout=self._options.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


class _Flow:
    """Batches on their way: the reader's queue, and up to `depth` deliveries in flight, oldest first."""

    def __init__(self, batches: asyncio.Queue[Batch | None], reader: asyncio.Task[None], depth: int) -> None:
        self._batches = batches
        self._reader = reader
        self._depth = depth
        self._getting: asyncio.Future[Batch | None] | None = None
        self._reading = True
        self.window: deque[tuple[Batch, asyncio.Task[Delivered]]] = deque()

    def accepting(self) -> bool:
        return self._reading and len(self.window) < self._depth

    def oldest_delivered(self) -> bool:
        return bool(self.window) and self.window[0][1].done()

    def pop(self) -> tuple[Batch, Delivered]:
        batch, delivery = self.window.popleft()
        return batch, delivery.result()  # re-raises `Interrupted`

    def send(self, batch: Batch, delivery: Awaitable[Delivered]) -> None:
        self.window.append((batch, asyncio.ensure_future(delivery)))

    async def next_event(self, accepting: bool, committer: asyncio.Task[None]) -> Batch | None:
        """Waits for the oldest delivery to finish or (when `accepting`) for the next batch, which it returns."""
        waiting: set[asyncio.Future[Any]] = {committer}
        if accepting:
            self._getting = self._getting or asyncio.ensure_future(self._batches.get())
            waiting |= {self._getting, self._reader}
        if self.window:
            waiting.add(self.window[0][1])
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if self._getting is not None and self._getting.done():
            received, self._getting = self._getting.result(), None
            self._reading = received is not None
            return received
        if self._reader.done() and self._reader.exception() is not None:
            self._reader.result()  # the reader failed (or was interrupted): raise it here
        return None

    async def close(self) -> None:
        for _, delivery in self.window:
            delivery.cancel()
        if self._getting is not None:
            self._getting.cancel()
        self._reader.cancel()
        await asyncio.gather(self._reader, *(delivery for _, delivery in self.window), return_exceptions=True)
