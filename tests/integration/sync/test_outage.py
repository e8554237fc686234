"""Elasticsearch stops mid-stream and comes back: the worker backs off, logs the outage once, and catches up.

The test stops and restarts a node of its own (port 9261, or CATALOG_TEST_OUTAGE_ELASTICSEARCH_PORT), never the
session's node."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from elastic_transport import OrjsonSerializer
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.elasticsearch_node import ElasticsearchNode
from domain.bus import MessageBus
from tests.integration.sync.conftest import WorkerFactory, assert_verified_clean, wait_until_caught_up
from tests.integration.sync.workload import Catalog, churn, create_products
from tests.support.elasticsearch import managed_node

pytestmark = pytest.mark.elasticsearch

OUTAGE_PORT = int(os.environ.get("CATALOG_TEST_OUTAGE_ELASTICSEARCH_PORT") or 9261)


@pytest.fixture(scope="module")
def outage_node() -> Iterator[ElasticsearchNode]:
    node = managed_node(OUTAGE_PORT)
    node.start()
    yield node
    node.stop()


@pytest.fixture
async def outage_client(outage_node: ElasticsearchNode, index_prefix: str) -> AsyncIterator[AsyncElasticsearch]:
    client = AsyncElasticsearch(outage_node.url, request_timeout=10, serializer=OrjsonSerializer())
    yield client
    await client.options(ignore_status=404).indices.delete(index=f"{index_prefix}-*", expand_wildcards="all")
    await client.close()


def lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if text in record.getMessage()]


async def test_the_worker_rides_out_an_elasticsearch_outage_and_catches_up(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    outage_node: ElasticsearchNode,
    outage_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="sync")
    catalog = Catalog()
    worker = new_worker(client=outage_client, backoff_cap_seconds=1.0)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        await create_products(bus, catalog, 20)
        await wait_until_caught_up(engine)

        await asyncio.to_thread(outage_node.stop)
        await create_products(bus, catalog, 20, tag="DOWN")
        await churn(bus, catalog, 60)
        await asyncio.sleep(3)  # several retries while the node is down
        assert (await worker.status()).events_behind > 0
        await asyncio.to_thread(outage_node.start)
        await wait_until_caught_up(engine, seconds=90)
    finally:
        stop.set()
        await running
    assert len(lines(caplog, "event=store_unavailable store=elasticsearch")) == 1  # one line, not one per retry
    assert len(lines(caplog, "event=store_available store=elasticsearch")) == 1
    assert worker.metrics.retries.labels("elasticsearch")._value.get() >= 2
    await assert_verified_clean(engine, outage_client, index_prefix)
