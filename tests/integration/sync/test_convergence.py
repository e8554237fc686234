"""The worker converges, re-delivery changes nothing, and an older state never replaces a newer one."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.outbox import START, OutboxRecord
from domain.storage import outbox_reading, sync_checkpoints
from read_index.indices import READ_MODELS, alias_name, ensure_indices
from read_index.projections import IndexOp
from read_index.writer import BulkReport, apply
from sync.applied_position import applied_states
from sync.batches import prepare
from sync.delivery import Deliverer
from sync.retry import Outage
from tests.integration.sync.conftest import WorkerFactory, assert_verified_clean, poll_until, wait_until_caught_up
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.elasticsearch


async def all_records(engine: AsyncEngine, seconds: float = 30) -> list[OutboxRecord]:
    """Every committed record. On PostgreSQL a read stops below the oldest transaction still open anywhere on the
    server (another test's, on a shared one), so read again until the read reaches the head."""
    async with asyncio.timeout(seconds):
        while True:
            async with engine.connect() as connection:
                head = await outbox_reading.head(connection)
                records = await outbox_reading.read_after(connection, START, 1_000_000)
            if head == START or (records and records[-1].position >= head):
                return records
            await asyncio.sleep(0.05)


async def snapshot(client: AsyncElasticsearch, prefix: str) -> dict[str, Any]:
    """Every document with its version and sequence number: a write, even of identical content, changes the latter."""
    documents = {}
    for model in READ_MODELS:
        await client.indices.refresh(index=alias_name(prefix, model))
        response = await client.search(
            index=alias_name(prefix, model), size=10_000, seq_no_primary_term=True, version=True
        )
        for hit in response["hits"]["hits"]:
            documents[f"{model}/{hit['_id']}"] = (hit["_version"], hit["_seq_no"], hit["_source"])
    return documents


async def test_the_worker_converges_on_every_kind_of_event(
    *, bus: MessageBus, engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, new_worker: WorkerFactory
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 30)
    await churn(bus, catalog, 120)
    worker = new_worker()

    position = await worker.run_until_caught_up()

    status = await worker.status()
    assert (status.checkpoint, status.events_behind, status.dead_letters) == (position, 0, 0)
    applied = await applied_states(es_client, index_prefix, range(len(status.partitions)))
    assert min(state.position for state in applied.values()) == position
    assert 0 < worker.metrics.events._value.get() <= len(await all_records(engine))
    assert worker.metrics.batches._value.get() > 1
    assert catalog.orders
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_reapplying_delivered_batches_changes_nothing(
    *, bus: MessageBus, engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, new_worker: WorkerFactory
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 20)
    await churn(bus, catalog, 60)
    await new_worker().run_until_caught_up()
    before = await snapshot(es_client, index_prefix)
    async with engine.begin() as connection:  # as after a crash between the bulk and the checkpoint
        await sync_checkpoints.reset_checkpoint(connection, "read-models")
    await es_client.delete(index=f"{index_prefix}-sync-state", id="read-models", refresh=True)

    await new_worker(batch_size=7).run_until_caught_up()

    assert await snapshot(es_client, index_prefix) == before
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_an_older_state_never_replaces_a_newer_one_whatever_the_delivery_order(
    *, bus: MessageBus, engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 10)
    await churn(bus, catalog, 80)
    records = await all_records(engine)
    disorder = records * 3
    random.Random(11).shuffle(disorder)
    await ensure_indices(es_client, index_prefix)
    deliverer = Deliverer(
        es_client, index_prefix, max_attempts=1, backoff_base=0.01, backoff_cap=0.1, outage=Outage("elasticsearch")
    )

    for low in range(0, len(disorder), 5):  # small batches: the order between batches is what is tested
        batch = prepare(disorder[low : low + 5], tail=False)
        delivered = await deliverer.deliver(batch.ops, asyncio.Event())
        assert not delivered.refused

    await assert_verified_clean(engine, es_client, index_prefix)


async def test_operations_at_or_below_an_acknowledged_version_are_not_sent_again(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 5)
    await churn(bus, catalog, 30)
    records = await all_records(engine)
    await ensure_indices(es_client, index_prefix)
    deliverer = Deliverer(
        es_client, index_prefix, max_attempts=1, backoff_base=0.01, backoff_cap=0.1, outage=Outage("elasticsearch")
    )
    await deliverer.deliver(prepare(records, tail=False).ops, asyncio.Event())
    sent: list[IndexOp] = []

    async def counting(
        client: AsyncElasticsearch, prefix: str, ops: list[IndexOp], indices: Mapping[str, str] | None = None
    ) -> BulkReport:
        sent.extend(ops)
        return await apply(client, prefix, ops, indices)

    monkeypatch.setattr("sync.delivery.apply", counting)

    for record in reversed(records):  # every state again, newest first: each one already acknowledged or older
        delivered = await deliverer.deliver(prepare([record], tail=False).ops, asyncio.Event())
        assert not delivered.refused

    assert sent == []
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_wake_makes_the_worker_look_at_once_instead_of_at_the_next_poll(
    *, bus: MessageBus, engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, new_worker: WorkerFactory
) -> None:
    worker = new_worker(poll_seconds=60)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:

        async def serving() -> bool:  # creating its indices on a busy shared node can take seconds
            return worker.holds_lease

        await poll_until(serving, seconds=60)
        await create_products(bus, Catalog(), 1, stock=0)
        await asyncio.sleep(0.5)  # the worker's first look may or may not have seen it; now it sleeps
        catalog = Catalog()
        await create_products(bus, catalog, 1, stock=0, tag="W")
        worker.wake()
        await wait_until_caught_up(engine, seconds=5)
    finally:
        stop.set()
        await running
    await assert_verified_clean(engine, es_client, index_prefix)
