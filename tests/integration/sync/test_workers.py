"""Several workers against one deployment: one holds each partition's lease at a time; with one partition (SQLite)
one worker works and the other stands by, and takes over when it stops."""

from __future__ import annotations

import asyncio

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from tests.integration.sync.conftest import WorkerFactory, assert_verified_clean, wait_until_caught_up
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.elasticsearch


async def test_two_workers_converge_with_one_holding_each_partitions_lease_at_a_time(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    workers = [new_worker(lease_seconds=3.0), new_worker(lease_seconds=3.0)]
    stops = [asyncio.Event(), asyncio.Event()]
    runs = [asyncio.create_task(worker.run(stop)) for worker, stop in zip(workers, stops, strict=True)]
    holders: list[int] = []

    async def watch() -> None:
        while True:
            held = [partition for worker in workers for partition in worker.held_partitions]
            holders.append(max((held.count(partition) for partition in held), default=0))
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    try:
        catalog = Catalog()
        await create_products(bus, catalog, 20)
        await churn(bus, catalog, 60)
        await wait_until_caught_up(engine)
        working = [worker.metrics.events._value.get() > 0 for worker in workers]
        if len((await workers[0].status()).partitions) == 1:
            assert sorted(working) == [False, True]  # the standby did nothing
        leader = working.index(True)
        standby = 1 - leader

        stops[leader].set()  # the leader stops gracefully and releases the lease: the standby takes over
        await runs[leader]
        await churn(bus, catalog, 40, seed=8)
        await wait_until_caught_up(engine, seconds=20)
        assert workers[standby].metrics.events._value.get() > 0
    finally:
        watcher.cancel()
        for stop in stops:
            stop.set()
        await asyncio.gather(*runs)
    assert max(holders) == 1  # never two holders of one partition at once
    await assert_verified_clean(engine, es_client, index_prefix)
