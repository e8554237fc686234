"""A worker started against a database its release has not migrated yet (the outbox without partitions, on SQLite
and PostgreSQL) refuses at once, saying which migration is missing, instead of taking the missing tables for an
outage and retrying for ever. (`catalog serve` migrates first; `catalog sync` and the other commands refuse in
one line: tests/integration/cli/test_operator_errors.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage.engine import create_async
from domain.storage.migrate import upgrade
from domain.storage.schema_revision import SchemaMismatch
from sync.webhooks.worker import WebhookWorker
from sync.worker import SyncWorker
from tests.conftest import DATABASES, new_database
from tests.integration.sync.conftest import FAST

pytestmark = pytest.mark.elasticsearch

GUARD_SECONDS = 60  # not a timed assertion: a bound, so that a regression fails instead of hanging the suite


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else []) for name in DATABASES]
)
async def engine_behind(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database at revision 0003: before sync partitions."""
    url = new_database(request, tmp_path, "behind")
    upgrade(url, "0003")
    engine = create_async(url, sqlite_immediate=False)
    yield engine
    await engine.dispose()


async def test_the_sync_worker_refuses_a_database_behind_its_release(
    engine_behind: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    worker = SyncWorker(engine_behind, es_client, index_prefix, FAST, registry=CollectorRegistry())

    with pytest.raises(SchemaMismatch, match="behind this release") as refused:
        async with asyncio.timeout(GUARD_SECONDS):
            await worker.run_until_caught_up()

    assert "run `catalog migrate`" in str(refused.value)


async def test_a_running_sync_worker_stops_on_a_database_behind_its_release(
    engine_behind: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    worker = SyncWorker(engine_behind, es_client, index_prefix, FAST, registry=CollectorRegistry())

    with pytest.raises(SchemaMismatch, match="behind this release"):
        async with asyncio.timeout(GUARD_SECONDS):
            await worker.run(asyncio.Event())


async def test_webhook_delivery_refuses_a_database_behind_its_release(engine_behind: AsyncEngine) -> None:
    worker = WebhookWorker(engine_behind, registry=CollectorRegistry())

    with pytest.raises(SchemaMismatch, match="behind this release"):
        async with asyncio.timeout(GUARD_SECONDS):
            await worker.run(asyncio.Event())
