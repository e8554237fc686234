"""Changing the number of partitions: refused while a worker is alive or a partition is behind; done, every record
is in its new partition, every partition's checkpoint and applied position at the horizon, and the workers go on
from there (no replay, nothing lost, tokens issued before still answered)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import ReceiveStock
from domain.outbox import partition_of
from domain.storage import outbox_partitioning, outbox_reading, sync_checkpoints
from domain.storage.engine import is_sqlite
from domain.storage.tables import outbox
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from sync.applied_position import applied_states
from sync.repartition import RepartitionRefused, repartition
from sync.status import read_status
from sync.worker import SyncWorker
from tests.integration.sync.conftest import (
    FAST,
    WorkerFactory,
    assert_verified_clean,
    cli_environment,
    poll_until,
    run_cli,
)
from tests.integration.sync.test_partitions import _gate
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.elasticsearch


async def test_repartitioning_is_refused_while_a_worker_is_alive_or_a_partition_is_behind(
    *, bus: MessageBus, engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, new_worker: WorkerFactory
) -> None:
    await create_products(bus, Catalog(), 5)
    worker = new_worker()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:

        async def serving() -> bool:
            return worker.holds_lease

        await poll_until(serving, seconds=60)
        with pytest.raises(RepartitionRefused, match="stop every sync worker"):
            await repartition(engine, es_client, index_prefix, 3)
    finally:
        stop.set()
        await running
    await create_products(bus, Catalog(), 2, tag="Q")  # committed, not applied
    with pytest.raises(RepartitionRefused, match="events behind"):
        await repartition(engine, es_client, index_prefix, 3)
    async with engine.connect() as connection:
        assert await outbox_partitioning.load_partitions(connection) in {1, 4}  # nothing changed


async def test_repartitioning_moves_records_and_checkpoints_and_the_workers_go_on_from_there(
    *,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    async def bus_for(partitions: int) -> MessageBus:
        factory = SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url), partitions=partitions)
        return MessageBus(factory, COMMAND_HANDLERS)

    async with engine.connect() as connection:
        before = await outbox_partitioning.load_partitions(connection)
    catalog = Catalog()
    bus = await bus_for(before)
    await create_products(bus, catalog, 20)
    await churn(bus, catalog, 40)
    old_token = (await bus.dispatch(ReceiveStock(sku=next(iter(catalog.products)), quantity=1))).consistency_token
    await new_worker().run_until_caught_up()
    async with engine.connect() as connection:
        head = await outbox_reading.head(connection)
    env = cli_environment(database_url, elasticsearch_url, index_prefix)

    done = await run_cli(env, "sync", "repartition", "--partitions", "3")

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{before} -> 3 partitions" in done.stdout
    async with engine.connect() as connection:
        assert await outbox_partitioning.load_partitions(connection) == 3
        rows = (
            await connection.execute(select(outbox.c.aggregate_type, outbox.c.aggregate_id, outbox.c.partition))
        ).all()
        checkpoints = await sync_checkpoints.load_checkpoints(connection, FAST.subscription)
    assert all(row.partition == partition_of(row.aggregate_type, row.aggregate_id, 3) for row in rows)
    assert sorted(checkpoints) == [0, 1, 2]
    assert len(set(checkpoints.values())) == 1  # every partition at the horizon
    recorded = await applied_states(es_client, index_prefix, range(3))
    assert all(state.position >= head for state in recorded.values())  # every record applied: nothing to replay
    assert (await read_status(engine)).events_behind == 0

    bus = await bus_for(3)  # the restarted writers read the new count
    await churn(bus, catalog, 40, seed=11)
    worker = SyncWorker(engine, es_client, index_prefix, dataclasses.replace(FAST), registry=CollectorRegistry())
    await worker.run_until_caught_up()
    status = await worker.status()
    assert (len(status.partitions), status.events_behind) == (3, 0)
    assert worker.metrics.events._value.get() > 0
    gate = _gate(es_client, index_prefix, 3)
    await asyncio.wait_for(gate.wait(old_token, search=False), 10)  # a token from before still reads
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_a_worker_refuses_to_start_when_the_setting_disagrees_with_the_database(
    database_url: str, elasticsearch_url: str, index_prefix: str
) -> None:
    env = {**cli_environment(database_url, elasticsearch_url, index_prefix), "CATALOG_SYNC_PARTITIONS": "7"}

    refused = await run_cli(env, "sync", "--once")

    assert refused.returncode != 0
    assert "CATALOG_SYNC_PARTITIONS is 7 but the outbox has" in refused.stderr
    assert "catalog sync repartition" in refused.stderr
