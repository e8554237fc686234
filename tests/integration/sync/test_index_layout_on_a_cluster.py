"""On a cluster, the worker gives the sync state and the read models the layout's replicas, and a rebuild fills
its new indices without replicas, then gives them the layout's and swaps once they are assigned."""

from __future__ import annotations

import dataclasses

import pytest
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from read_index.indices import IndexLayout, current_index
from sync.rebuild import rebuild
from sync.state_index import ensure_state_index, state_index
from sync.worker import SyncWorker
from tests.integration.sync.conftest import FAST, assert_verified_clean
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.cluster

LAYOUT = IndexLayout(shards=2, replicas=1)


async def settings_of(client: AsyncElasticsearch, index: str) -> tuple[int, int]:
    found = await client.indices.get_settings(index=index, name="index.number_of_*")
    entry = next(iter(found.body.values()))["settings"]["index"]
    return int(entry["number_of_shards"]), int(entry["number_of_replicas"])


async def test_the_sync_state_index_gets_the_layouts_replicas_on_one_shard(
    cluster_client: AsyncElasticsearch, cluster_prefix: str
) -> None:
    await ensure_state_index(cluster_client, cluster_prefix)
    assert await settings_of(cluster_client, state_index(cluster_prefix)) == (1, 0)

    await ensure_state_index(cluster_client, cluster_prefix, LAYOUT)

    assert await settings_of(cluster_client, state_index(cluster_prefix)) == (1, 1)


async def test_a_rebuild_creates_its_indices_with_the_layout_and_loses_nothing(
    bus: MessageBus,
    engine: AsyncEngine,
    worker_engine: AsyncEngine,
    cluster_client: AsyncElasticsearch,
    cluster_prefix: str,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 15)
    await churn(bus, catalog, 20)
    options = dataclasses.replace(FAST, index_layout=LAYOUT)
    worker = SyncWorker(worker_engine, cluster_client, cluster_prefix, options, registry=CollectorRegistry())
    await worker.run_until_caught_up()

    report = await rebuild(engine, cluster_client, cluster_prefix, options=options)

    for rebuilt in report.indices:
        assert await current_index(cluster_client, cluster_prefix, rebuilt.read_model) == rebuilt.index
        assert await settings_of(cluster_client, rebuilt.index) == (2, 1)
    health = await cluster_client.cluster.health(index=",".join(index.index for index in report.indices))
    assert health["status"] == "green"
    await assert_verified_clean(engine, cluster_client, cluster_prefix)
