"""The fan-out: outbox records -> queued deliveries, one per record and subscribed webhook, written in the same
transaction that advances the `webhooks` subscription's checkpoint.

It reads the outbox as the index projection does (gap-safe, in position order, `outbox_reading.read_after`), so a
delivery is queued for every committed record and for none that was rolled back, and a crash at any point
queues nothing twice (the queue keeps one delivery per webhook and record) and loses nothing (the checkpoint
moves only with the deliveries it covers).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model.events import WEBHOOK
from domain.model.snapshots import Snapshot
from domain.model.webhook_events import WebhookEvent
from domain.model.webhooks import webhook_event_of
from domain.outbox import OutboxPosition, OutboxRecord
from domain.storage import outbox_reading, sync_checkpoints, webhook_deliveries
from domain.storage.webhook_deliveries import NewDelivery
from read_index.delivered_documents import delivered_document
from sync.retrying_stores import RetryingStores
from sync.webhooks import payloads
from sync.webhooks.options import WebhookOptions
from sync.webhooks.subscribers import Subscribers
from sync.webhooks.writes import Writes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FannedOut:
    """What one batch did."""

    end: OutboxPosition
    records: int
    queued: Counter[str]
    """Deliveries queued, by webhook id."""
    endpoints_changed: bool
    """The batch registered or removed a webhook."""


class FanOut:
    def __init__(self, stores: RetryingStores, writes: Writes, options: WebhookOptions) -> None:
        self._stores = stores
        self._writes = writes
        self._options = options
        self._position = OutboxPosition(0, 0)
        self._subscribers = Subscribers()

    @property
    def position(self) -> OutboxPosition:
        return self._position

    async def start(self, halt: asyncio.Event) -> OutboxPosition:
        """Resumes at the checkpoint, with the webhooks registered as of it."""
        name = self._options.subscription
        self._position = await self._stores.database(lambda c: sync_checkpoints.load_checkpoint(c, name), halt)
        up_to = self._position
        records = await self._stores.database(lambda c: outbox_reading.read_aggregate_type(c, WEBHOOK, up_to), halt)
        self._subscribers = Subscribers(records)
        return self._position

    async def next_batch(self, halt: asyncio.Event) -> FannedOut | None:
        """Queues the deliveries of the next batch of records and moves the checkpoint past it; None when there
        is nothing new."""
        after, limit = self._position, self._options.batch_size
        records = await self._stores.database(lambda c: outbox_reading.read_after(c, after, limit), halt)
        if not records:
            return None
        deliveries: list[NewDelivery] = []
        removed: list[str] = []
        changed = False
        carried = carried_states(records)
        for i, record in enumerate(records):
            if record.aggregate_type == WEBHOOK:
                changed = True
                gone = self._subscribers.apply(record)
                removed += [gone] if gone is not None else []
                continue
            deliveries += await self._deliveries(record, carried.get(i), halt)
        end = records[-1].position
        await self._commit(deliveries, removed, end, halt)
        self._position = end
        return FannedOut(end, len(records), Counter(d.webhook_id for d in deliveries), changed)

    async def _deliveries(
        self, record: OutboxRecord, carried: Snapshot | None, halt: asyncio.Event
    ) -> list[NewDelivery]:
        event = webhook_event_of(record.event_type)
        webhooks = self._subscribers.of(event) if event is not None else []
        if event is None or not webhooks:
            return []
        state = record.state or carried or await self._carried_state(record, halt)
        data = delivered_document(record.aggregate_type, state) if state is not None else None
        if data is None:
            log.error("event=webhook_record_skipped position=%s reason=no state to deliver", record.position.token())
            return []
        return [_delivery(webhook, event, record, data) for webhook in webhooks]

    async def _carried_state(self, record: OutboxRecord, halt: asyncio.Event) -> Snapshot | None:
        """A stateless record whose transaction's last record of its aggregate lies beyond this batch."""
        kind, key, version = record.aggregate_type, record.aggregate_id, record.aggregate_version
        return await self._stores.database(lambda c: outbox_reading.read_carried_state(c, kind, key, version), halt)

    async def _commit(
        self, deliveries: list[NewDelivery], removed: list[str], end: OutboxPosition, halt: asyncio.Event
    ) -> None:
        name = self._options.subscription

        async def commit(connection: AsyncConnection) -> None:
            await webhook_deliveries.enqueue(connection, deliveries, datetime.now(UTC))
            for webhook in removed:
                await webhook_deliveries.cancel_pending(connection, webhook)
            await sync_checkpoints.save_checkpoint(connection, name, end)

        await self._writes.transaction(commit, halt)


def _delivery(webhook: str, event: WebhookEvent, record: OutboxRecord, data: dict[str, Any]) -> NewDelivery:
    identifier = payloads.event_id(webhook, record.position)
    return NewDelivery(
        webhook_id=webhook,
        event_id=identifier,
        event=event.value,
        position=record.position,
        aggregate_type=record.aggregate_type,
        aggregate_id=record.aggregate_id,
        aggregate_version=record.aggregate_version,
        occurred_at=record.occurred_at or datetime.now(UTC),
        body=payloads.body(identifier, event, record, data),
    )


def carried_states(records: list[OutboxRecord]) -> dict[int, Snapshot]:
    """For each stateless record (by index), the state its aggregate has after the record's transaction, when a
    later record of this batch carries it: the next record of the same aggregate that has a state."""
    carried: dict[int, Snapshot] = {}
    latest: dict[tuple[str, str], Snapshot] = {}
    for i in range(len(records) - 1, -1, -1):
        record = records[i]
        key = (record.aggregate_type, record.aggregate_id)
        if (state := record.state) is not None:
            latest[key] = state
        elif key in latest:
            carried[i] = latest[key]
    return carried
