"""What the webhook delivery tests share: fast options, a worker running in the test's loop, a receiver on loopback,
and the outbox records a webhook should have received."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.model.commands import RegisterWebhook
from domain.model.webhooks import webhook_event_of
from domain.storage import webhook_deliveries
from domain.storage.tables import outbox
from domain.storage.webhook_deliveries import Delivery
from sync.webhooks.options import WebhookOptions
from sync.webhooks.worker import WebhookWorker
from tests.integration.sync.conftest import poll_until
from tests.support.webhook_receiver import Receiver

SECRET = "the-endpoints-shared-secret"
FAST_WEBHOOKS = WebhookOptions(
    batch_size=20,
    poll_seconds=0.05,
    idle_poll_seconds=0.1,
    endpoints_seconds=0.2,
    lease_seconds=2.0,
    allow_private_targets=True,
    timeout_seconds=5.0,
    backoff_base_seconds=0.05,
    backoff_cap_seconds=0.2,
    status_seconds=0.2,
    store_backoff_base_seconds=0.02,
    store_backoff_cap_seconds=0.5,
)


@asynccontextmanager
async def delivering(engine: AsyncEngine, **overrides: Any) -> AsyncIterator[WebhookWorker]:
    """A webhook worker running in the test's event loop until the block ends."""
    worker = WebhookWorker(engine, dataclasses.replace(FAST_WEBHOOKS, **overrides), registry=CollectorRegistry())
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await task


@asynccontextmanager
async def receiving(receiver: Receiver | None = None) -> AsyncIterator[Receiver]:
    started = await (receiver or Receiver()).start()
    try:
        yield started
    finally:
        await started.stop()


async def register(bus: MessageBus, receiver: Receiver, *events: str, secret: str = SECRET) -> str:
    outcome = await bus.dispatch(RegisterWebhook(url=receiver.url, events=events, secret=secret))
    return outcome.aggregate_id


async def received_at_least(receiver: Receiver, count: int, seconds: float = 30) -> None:
    async def enough() -> bool:
        return len(receiver.received) >= count

    await poll_until(enough, seconds)


async def expected_records(engine: AsyncEngine, *events: str) -> list[tuple[str, str, int]]:
    """(webhook event, aggregate id, version) of every outbox record a webhook subscribed to `events` receives."""
    async with engine.connect() as connection:
        rows = await connection.execute(select(outbox).order_by(outbox.c.txid, outbox.c.sequence))
        routed = [(webhook_event_of(row.event_type), row.aggregate_id, row.aggregate_version) for row in rows]
    return [(event.value, key, version) for event, key, version in routed if event is not None and event in events]


def delivered_records(receiver: Receiver) -> list[tuple[str, str, int]]:
    return [(event["type"], event["aggregateId"], event["aggregateVersion"]) for event in receiver.events()]


async def deliveries(engine: AsyncEngine) -> list[Delivery]:
    async with engine.connect() as connection:
        return await webhook_deliveries.read_deliveries(connection, limit=10_000)


async def settled(engine: AsyncEngine, status: str, count: int = 1) -> list[Delivery]:
    """The deliveries in `status`, once at least `count` are (a receiver has a request before its sender records
    the outcome: wait for the row, not the request)."""

    async def reached() -> bool:
        return sum(d.status == status for d in await deliveries(engine)) >= count

    await poll_until(reached, 30)
    return [d for d in await deliveries(engine) if d.status == status]
