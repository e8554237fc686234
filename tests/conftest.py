"""Shared fixtures: real stores only. SQLite and PostgreSQL for the write model, a real Elasticsearch node."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.postgres_cluster import PostgresCluster
from domain.storage.engine import create_async
from domain.storage.migrate import upgrade
from tests.support.elasticsearch import elasticsearch_url as managed_elasticsearch_url
from tests.support.elasticsearch import stop_if_started
from tests.support.elasticsearch_cluster import cluster_for_tests
from tests.support.postgres import PostgresForTests, private_cluster, start_session_postgres

DATABASES = os.environ.get("CATALOG_TEST_DATABASES", "sqlite,postgres").split(",")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    cluster = start_session_postgres()
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the test's own, to stop and start at will (the session's is shared)."""
    with private_cluster("own") as cluster:
        yield cluster


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else []) for name in DATABASES]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database: a SQLite file, or a new database on the throwaway PostgreSQL cluster."""
    url = new_database(request, tmp_path, "catalog")
    upgrade(url)
    return url


def new_database(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    """An empty database of the fixture's parameter ('sqlite' or 'postgres'), unmigrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    url: str = request.getfixturevalue("postgres").new_database(name)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    yield managed_elasticsearch_url()
    stop_if_started()


@pytest.fixture(scope="session")
def elasticsearch_cluster() -> Iterator[ElasticsearchCluster]:
    """The 3-node cluster (tests/support/elasticsearch_cluster.py), started for the first test that asks for it."""
    cluster = cluster_for_tests()
    running_before = None not in cluster.status()
    cluster.start()
    yield cluster
    if not running_before:
        cluster.stop()


@pytest.fixture
async def es_client(elasticsearch_url: str) -> AsyncIterator[AsyncElasticsearch]:
    client = AsyncElasticsearch(elasticsearch_url, request_timeout=30)
    yield client
    await client.close()


@pytest.fixture
async def index_prefix(es_client: AsyncElasticsearch) -> AsyncIterator[str]:
    """A unique index prefix per test, so tests share the node without seeing each other's documents."""
    async for prefix in unique_prefix(es_client):
        yield prefix


async def unique_prefix(client: AsyncElasticsearch) -> AsyncIterator[str]:
    """A new index prefix; its indices are deleted once the caller is done with it."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    await client.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


@pytest.fixture
async def cluster_client(elasticsearch_cluster: ElasticsearchCluster) -> AsyncIterator[AsyncElasticsearch]:
    """A client of every node of the cluster, as the service has it (retries on the next node)."""
    client = AsyncElasticsearch(elasticsearch_cluster.urls, request_timeout=30, max_retries=2, retry_on_timeout=True)
    yield client
    await client.close()


@pytest.fixture
async def cluster_prefix(cluster_client: AsyncElasticsearch) -> AsyncIterator[str]:
    """A unique index prefix per test on the cluster."""
    async for prefix in unique_prefix(cluster_client):
        yield prefix
