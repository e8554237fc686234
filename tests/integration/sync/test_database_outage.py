"""The database goes down mid-stream and comes back: the worker backs off, logs the outage once, catches up.

PostgreSQL only (SQLite has no server to lose), on a cluster of the test's own: the session's is shared."""

from __future__ import annotations

import asyncio
import logging

import pytest
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry

from devstack.postgres_cluster import PostgresCluster
from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.storage.engine import create_async
from domain.storage.migrate import upgrade
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from sync.worker import SyncWorker
from tests.integration.sync.conftest import FAST, assert_verified_clean, wait_until_caught_up
from tests.integration.sync.workload import Catalog, create_products

pytestmark = [pytest.mark.postgres, pytest.mark.elasticsearch]


async def test_the_worker_rides_out_a_database_outage_and_catches_up(
    *,
    own_postgres: PostgresCluster,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="sync")
    url = own_postgres.create_database("outage")
    await asyncio.to_thread(upgrade, url)
    engine, worker_engine = create_async(url), create_async(url, pool_size=2)
    bus = MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=False), COMMAND_HANDLERS)
    worker = SyncWorker(worker_engine, es_client, index_prefix, FAST, registry=CollectorRegistry())
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    catalog = Catalog()
    try:
        await create_products(bus, catalog, 10)
        await wait_until_caught_up(engine)

        await asyncio.to_thread(own_postgres.stop)
        await asyncio.sleep(2)  # the worker's reads and lease renewals fail meanwhile
        await asyncio.to_thread(own_postgres.start)
        await create_products(bus, catalog, 10, tag="AFTER")
        await wait_until_caught_up(engine)
    finally:
        stop.set()
        await running
    messages = [record.getMessage() for record in caplog.records]
    assert sum("event=store_unavailable store=database" in message for message in messages) == 1
    assert sum("event=store_available store=database" in message for message in messages) == 1
    assert worker.metrics.retries.labels("database")._value.get() >= 2
    try:
        await assert_verified_clean(engine, es_client, index_prefix)
    finally:
        await engine.dispose()
        await worker_engine.dispose()
