"""PostgreSQL hands out outbox sequence numbers at insert time, not commit time: the worker must not skip an
event whose transaction commits after a later-numbered one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.bus import CommandContext, MessageBus
from domain.model.commands import Command, CreateProduct
from domain.outbox import OutboxPosition
from domain.ports import Outcome
from domain.storage.engine import is_sqlite
from domain.storage.tables import idempotency_keys
from read_index.indices import alias_name
from tests.integration.sync.conftest import WorkerFactory, assert_verified_clean, poll_until, wait_until_caught_up

pytestmark = pytest.mark.elasticsearch


def chair(sku: str) -> CreateProduct:
    return CreateProduct(sku=sku, name=f"Chair {sku}", price_amount="10.00", price_currency="EUR")


async def wait_for_a_blocked_transaction(engine: AsyncEngine) -> None:
    async with asyncio.timeout(10):
        while True:
            async with engine.connect() as connection:
                waiting = (await connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar()
            if waiting:
                return
            await asyncio.sleep(0.02)


async def start_blocked(
    engine: AsyncEngine, bus: MessageBus, command: Command
) -> tuple[AsyncConnection, asyncio.Task[Outcome]]:
    """Transaction A: `command` dispatched, its rows inserted, then blocked before it can commit on an idempotency
    key a blocker holds uncommitted. Returns the blocker (roll it back to let A commit) and A."""
    blocker = await engine.connect()
    await blocker.begin()
    row = {"caller": "tester", "key": "k-a", "fingerprint": "-", "aggregate_id": "-", "version": 0}
    await blocker.execute(insert(idempotency_keys).values(**row, created_at=datetime.now(UTC)))
    context = CommandContext(caller="tester", idempotency_key="k-a")
    transaction_a = asyncio.create_task(bus.dispatch(command, context))
    await wait_for_a_blocked_transaction(engine)
    return blocker, transaction_a


async def test_an_event_committed_after_a_later_numbered_one_is_still_indexed(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite serializes writers, so commit order is sequence order")
    before = await bus.dispatch(chair("BEFORE"))
    blocker, transaction_a = await start_blocked(engine, bus, chair("A"))
    b = await bus.dispatch(chair("B"))  # B inserts after A, and commits first
    worker = new_worker()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        applied_before = OutboxPosition.parse_token(before.consistency_token or "")

        async def started() -> bool:  # creating its indices on a busy shared node can take seconds
            return (await worker.status()).checkpoint >= applied_before

        await poll_until(started, seconds=30)
        await asyncio.sleep(1.5)  # the worker runs on while A is still open
        status = await worker.status()
        held_back = max(part.checkpoint for part in status.partitions)
        assert status.events_behind == 1  # B is committed, and held back behind A

        await blocker.rollback()
        await blocker.close()
        a = await transaction_a
        position_a = OutboxPosition.parse_token(a.consistency_token or "")
        position_b = OutboxPosition.parse_token(b.consistency_token or "")
        assert position_a.sequence < position_b.sequence  # A holds the lower sequence, yet committed last
        assert applied_before <= held_back < position_a  # no partition's checkpoint passed A while it was open
        await wait_until_caught_up(engine)
    finally:
        stop.set()
        await running
    for outcome in (a, b):
        assert (await es_client.get(index=alias_name(index_prefix, "products"), id=outcome.aggregate_id))["found"]
    await assert_verified_clean(engine, es_client, index_prefix)
