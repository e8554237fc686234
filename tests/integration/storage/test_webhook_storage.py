"""Webhooks in the write model on SQLite and PostgreSQL: the endpoint with its secret (which no outbox record or
snapshot holds), and the delivery queue's rules: one delivery per webhook and record, in order per aggregate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import RegisterWebhook, RemoveWebhook
from domain.model.events import WEBHOOK
from domain.model.snapshots import WebhookSnapshot
from domain.outbox import OutboxPosition
from domain.storage import aggregate_pages, webhook_deliveries, webhook_endpoints
from domain.storage.engine import is_sqlite
from domain.storage.tables import outbox, webhooks
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from domain.storage.webhook_deliveries import DEAD, DELIVERED, PENDING, NewDelivery

SECRET = "s3cret-that-signs-every-delivery"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    return MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url)), COMMAND_HANDLERS)


def register() -> RegisterWebhook:
    return RegisterWebhook(url="https://erp.example.com/in", events=("ORDER_PLACED",), secret=SECRET)


async def rows(engine: AsyncEngine, table: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list(await connection.execute(select(table)))


async def test_a_registered_webhook_keeps_its_secret_in_its_row_and_nowhere_in_the_outbox(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    outcome = await bus.dispatch(register())
    [row] = await rows(engine, webhooks)
    assert (row.id, row.secret, row.active) == (outcome.aggregate_id, SECRET, True)
    [record] = await rows(engine, outbox)
    assert record.event_type == "WebhookRegistered"
    assert SECRET not in repr(tuple(record))


async def test_a_removed_webhook_is_inactive_and_no_endpoint_to_send_to(bus: MessageBus, engine: AsyncEngine) -> None:
    kept = await bus.dispatch(register())
    removed = await bus.dispatch(register())
    await bus.dispatch(RemoveWebhook(webhook_id=removed.aggregate_id))
    async with engine.connect() as connection:
        endpoints = await webhook_endpoints.active_endpoints(connection)
        states = await webhook_endpoints.endpoint_states(connection, [kept.aggregate_id, removed.aggregate_id])
    assert [(e.id, e.secret) for e in endpoints] == [(kept.aggregate_id, SECRET)]
    assert states == {kept.aggregate_id: True, removed.aggregate_id: False}


async def test_a_webhooks_row_gives_the_snapshot_its_newest_outbox_record_carries(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    outcome = await bus.dispatch(register())
    await bus.dispatch(RemoveWebhook(webhook_id=outcome.aggregate_id))
    async with engine.connect() as connection:
        [page] = await aggregate_pages.read_states(connection, WEBHOOK, None, 10)
    newest = (await rows(engine, outbox))[-1]
    assert page.state == newest.state
    assert cast(WebhookSnapshot, page.state)["active"] is False


def delivery(sequence: int, aggregate: str = "p-1", webhook: str = "w-1") -> NewDelivery:
    return NewDelivery(
        webhook_id=webhook,
        event_id=f"e-{webhook}-{sequence}",
        event="PRODUCT_CHANGED",
        position=OutboxPosition(0, sequence),
        aggregate_type="product",
        aggregate_id=aggregate,
        aggregate_version=sequence,
        occurred_at=T0,
        body="{}",
    )


async def enqueue(engine: AsyncEngine, *deliveries: NewDelivery) -> None:
    async with engine.begin() as connection:
        await webhook_deliveries.enqueue(connection, list(deliveries), T0)


async def due(engine: AsyncEngine, now: datetime = T0, webhook: str = "w-1", **options: Any) -> list[int]:
    async with engine.connect() as connection:
        found = await webhook_deliveries.due(connection, webhook, now, 10, **options)
    return [d.position.sequence for d in found]


async def ids_by_sequence(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as connection:
        return {d.position.sequence: d.id for d in await webhook_deliveries.read_deliveries(connection)}


async def test_a_record_queued_twice_for_one_webhook_is_one_delivery(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1), delivery(2))
    await enqueue(engine, delivery(2), delivery(3))
    assert sorted(await ids_by_sequence(engine)) == [1, 2, 3]


async def test_only_the_first_pending_delivery_of_each_aggregate_is_due_in_outbox_order(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1, "a"), delivery(2, "b"), delivery(3, "a"), delivery(4, "c", webhook="w-2"))
    assert await due(engine) == [1, 2]
    assert await due(engine, webhook="w-2") == [4]


async def test_a_delivery_in_flight_is_left_out_and_still_holds_back_its_aggregate(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1, "a"), delivery(2, "b"), delivery(3, "a"))
    ids = await ids_by_sequence(engine)
    assert await due(engine, excluding=[ids[1]]) == [2]


async def test_a_failed_delivery_waits_for_its_retry_and_holds_back_only_its_own_aggregate(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1, "a"), delivery(2, "a"), delivery(3, "b"))
    ids = await ids_by_sequence(engine)
    retry_at = T0 + timedelta(seconds=30)
    async with engine.begin() as connection:
        await webhook_deliveries.record_failed(
            connection, ids[1], status_code=500, error="500", now=T0, retry_at=retry_at
        )
    assert await due(engine) == [3]
    assert await due(engine, now=retry_at) == [1, 3]


async def test_a_delivered_delivery_lets_the_next_of_its_aggregate_go(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1, "a"), delivery(2, "a"))
    ids = await ids_by_sequence(engine)
    async with engine.begin() as connection:
        await webhook_deliveries.record_delivered(connection, ids[1], 204, T0)
    assert await due(engine) == [2]


async def test_a_dead_delivery_no_longer_holds_back_and_a_requeue_makes_it_due_again(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1, "a"), delivery(2, "a"))
    ids = await ids_by_sequence(engine)
    async with engine.begin() as connection:
        await webhook_deliveries.record_failed(
            connection, ids[1], status_code=None, error="down", now=T0, retry_at=None
        )
    assert await due(engine) == [2]
    async with engine.begin() as connection:
        failed = await webhook_deliveries.read_deliveries(connection, failed_only=True)
        requeued = await webhook_deliveries.requeue_dead(connection, None, T0)
    assert [(d.id, d.status, d.last_error) for d in failed] == [(ids[1], DEAD, "down")]
    assert requeued == [ids[1]]
    assert await due(engine) == [1]


async def test_removing_a_webhook_cancels_what_is_queued_for_it_only(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1, webhook="w-1"), delivery(2, webhook="w-2"))
    async with engine.begin() as connection:
        await webhook_deliveries.cancel_pending(connection, "w-1")
    assert (await due(engine), await due(engine, webhook="w-2")) == ([], [2])


async def test_finished_deliveries_are_purged_after_their_retention(engine: AsyncEngine) -> None:
    await enqueue(engine, delivery(1), delivery(2, "b"))
    ids = await ids_by_sequence(engine)
    async with engine.begin() as connection:
        await webhook_deliveries.record_delivered(connection, ids[1], 200, T0)
        purged = await webhook_deliveries.purge_finished(connection, T0 + timedelta(days=8))
        counts = await webhook_deliveries.count_by_status(connection)
    assert purged == 1
    assert (counts[PENDING], counts[DELIVERED]) == (1, 0)
