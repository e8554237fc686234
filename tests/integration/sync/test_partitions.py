"""Partitions: the worker's guarantees hold per partition, workers share the partitions fairly, and a token's read
waits for the partitions its command wrote (and is not held back by idle ones)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.consistency import ConsistencyGate
from domain.bus import MessageBus
from domain.model.commands import OrderLineRequest, PlaceOrder, ReceiveStock
from domain.outbox import ConsistencyToken, OutboxPosition, partition_of
from domain.storage.engine import is_sqlite
from read_index.indices import alias_name
from sync.applied_position import AppliedState, applied_states
from sync.published_dead_letters import PublishedDeadLetter
from sync.worker import SyncWorker
from tests.integration.sync.conftest import WorkerFactory, assert_verified_clean, poll_until, wait_until_caught_up
from tests.integration.sync.test_out_of_order_commits import start_blocked
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.elasticsearch


def _postgres_only(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite has one partition (and serializes writers)")


def two_in_one_partition(catalog: Catalog, partitions: int) -> tuple[str, str]:
    """Two skus whose products share a partition."""
    seen: dict[int, str] = {}
    for sku, (product_id, _) in catalog.products.items():
        partition = partition_of("product", product_id, partitions)
        if partition in seen:
            return seen[partition], sku
        seen[partition] = sku
    raise AssertionError("no two products share a partition")


async def test_an_event_committed_after_a_later_numbered_one_of_its_partition_is_not_skipped(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    _postgres_only(database_url)
    catalog = Catalog()
    await create_products(bus, catalog, 8, stock=0)
    worker = new_worker()
    partitions = len((await worker.status()).partitions)
    assert partitions == 4  # a fresh PostgreSQL outbox
    sku_a, sku_b = two_in_one_partition(catalog, partitions)
    blocker, transaction_a = await start_blocked(engine, bus, ReceiveStock(sku=sku_a, quantity=5))
    b = await bus.dispatch(ReceiveStock(sku=sku_b, quantity=7))  # same partition: inserts after A, commits first
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        await poll_until(lambda: _behind(worker, 1), seconds=30)
        await asyncio.sleep(1.0)  # the worker runs on while A is still open: B stays behind
        assert (await worker.status()).events_behind == 1
        await blocker.rollback()
        await blocker.close()
        a = await transaction_a
        position_a = OutboxPosition.parse_token(a.consistency_token or "")
        position_b = OutboxPosition.parse_token(b.consistency_token or "")
        assert position_a.sequence < position_b.sequence  # A holds the lower sequence, yet committed last
        await wait_until_caught_up(engine)
    finally:
        stop.set()
        await running
    products = alias_name(index_prefix, "products")
    for outcome in (a, b):
        document = await es_client.get(index=products, id=outcome.aggregate_id)
        assert document["_version"] == outcome.version  # both receipts reached the index
    await assert_verified_clean(engine, es_client, index_prefix)


async def _behind(worker: SyncWorker, events: int) -> bool:
    status = await worker.status()
    return worker.holds_lease and status.events_behind == events


def _gate(client: AsyncElasticsearch, prefix: str, partitions: int) -> ConsistencyGate:
    async def applied(wanted: Collection[int]) -> dict[int, AppliedState]:
        return await applied_states(client, prefix, wanted)

    async def refresh() -> None:
        await client.indices.refresh(index=f"{prefix}-*")

    async def no_letters(token: ConsistencyToken) -> list[PublishedDeadLetter]:
        return []

    return ConsistencyGate(applied, refresh, no_letters, timeout_seconds=30, partitions=partitions)


async def test_a_token_read_waits_for_every_partition_its_command_wrote_and_no_idle_one_holds_it_back(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    _postgres_only(database_url)
    catalog = Catalog()
    await create_products(bus, catalog, 6)
    worker = new_worker()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        partitions = len((await worker.status()).partitions)
        await wait_until_caught_up(engine)
        gate = _gate(es_client, index_prefix, partitions)
        skus = list(catalog.products)
        # An order and two products: records in several partitions, one token naming them all.
        lines = (OrderLineRequest(sku=skus[0], quantity=1), OrderLineRequest(sku=skus[1], quantity=2))
        order = await bus.dispatch(PlaceOrder(customer_id="c-1", lines=lines))
        token = ConsistencyToken.parse(order.consistency_token or "")
        wanted = {partition_of("order", order.aggregate_id, partitions)}
        wanted |= {partition_of("product", catalog.products[sku][0], partitions) for sku in skus[:2]}
        assert token.partitions == frozenset(wanted)
        await asyncio.wait_for(gate.wait(order.consistency_token, search=True), 30)
        found = await es_client.get(index=alias_name(index_prefix, "orders"), id=order.aggregate_id)
        assert found["_version"] == order.version
        for sku in skus[:2]:  # the stock the order reserved is there too
            document = await es_client.get(index=alias_name(index_prefix, "products"), id=catalog.products[sku][0])
            assert document["_source"]["reserved"] > 0
        # One product receiving stock writes one partition; the others stay idle and hold nothing back, for the
        # new token nor for an old one that waits on every partition.
        receipt = await bus.dispatch(ReceiveStock(sku=skus[2], quantity=3))
        assert len(ConsistencyToken.parse(receipt.consistency_token or "").partitions or ()) == 1
        await asyncio.wait_for(gate.wait(receipt.consistency_token, search=False), 30)
        position = OutboxPosition.parse_token(receipt.consistency_token or "")
        await asyncio.wait_for(gate.wait(position.token(), search=False), 30)  # a version-1 token: every partition
        document = await es_client.get(index=alias_name(index_prefix, "products"), id=receipt.aggregate_id)
        assert document["_version"] == receipt.version
    finally:
        stop.set()
        await running
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_workers_share_the_partitions_and_take_over_those_of_one_that_stops(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    _postgres_only(database_url)
    catalog = Catalog()
    await create_products(bus, catalog, 10)
    first, second = new_worker(lease_seconds=1.0), new_worker(lease_seconds=1.0)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    runs = [asyncio.create_task(first.run(stop_first)), asyncio.create_task(second.run(stop_second))]
    try:

        async def shared() -> bool:
            return len(first.held_partitions) == 2 == len(second.held_partitions)

        await poll_until(shared, seconds=60)
        assert not set(first.held_partitions) & set(second.held_partitions)
        await churn(bus, catalog, 40)
        stop_first.set()
        await runs[0]

        async def taken_over() -> bool:
            return sorted(second.held_partitions) == [0, 1, 2, 3]

        await poll_until(taken_over, seconds=60)
        await churn(bus, catalog, 40, seed=9)
        await wait_until_caught_up(engine)
    finally:
        stop_first.set()
        stop_second.set()
        await asyncio.gather(*runs)
    async with engine.connect() as connection:
        alive = (await connection.execute(text("SELECT count(*) FROM sync_workers"))).scalar()
    assert alive == 0  # both withdrew on their way out
    await assert_verified_clean(engine, es_client, index_prefix)
