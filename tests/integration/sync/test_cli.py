"""The operator's commands, end to end in subprocesses: `catalog sync status` as a health check (exit codes),
`catalog sync --once`, `catalog reindex` and `catalog verify` (exit 1 on drift)."""

from __future__ import annotations

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from sync.status import read_status
from tests.integration.sync.conftest import assert_verified_clean, cli_environment, run_cli
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.elasticsearch


async def test_status_is_a_health_check_and_reindex_and_verify_work_from_the_command_line(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 15)
    await churn(bus, catalog, 20)
    events = (await read_status(engine)).events_behind
    env = cli_environment(database_url, elasticsearch_url, index_prefix)

    behind = await run_cli(env, "sync", "status", "--max-lag-events", str(events - 1))
    assert behind.returncode == 1, behind.stderr
    assert "checkpoint    c1.0.0" in behind.stdout
    assert f"behind        {events} events" in behind.stdout
    once = await run_cli(env, "sync", "--once")
    assert once.returncode == 0, once.stderr
    assert once.stdout.startswith("caught up at c1.")
    caught_up = await run_cli(env, "sync", "status", "--max-lag-events", "0", "--max-lag-seconds", "0")
    assert caught_up.returncode == 0, caught_up.stdout + caught_up.stderr
    assert "behind        0 events, 0.0 s" in caught_up.stdout

    reindexed = await run_cli(env, "reindex", "--read-model", "all", "--batch-size", "4")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "products: 15 documents copied" in reindexed.stdout
    await assert_verified_clean(engine, es_client, index_prefix)
    await es_client.delete(index=f"{index_prefix}-products", id=catalog.product_ids[3], refresh=True)
    drifted = await run_cli(env, "verify", "--read-model", "products")
    assert drifted.returncode == 1
    assert "missing 1, stale 0, different 0, extra 0" in drifted.stdout
    assert f"missing products/{catalog.product_ids[3]}" in drifted.stdout
    await run_cli(env, "reindex", "--read-model", "products")
    await assert_verified_clean(engine, es_client, index_prefix)
