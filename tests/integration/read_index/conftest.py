"""One client and one set of indices per test module: the read side's tests mostly only read what they seeded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from elastic_transport import OrjsonSerializer
from elasticsearch import AsyncElasticsearch

from read_index.indices import delete_indices, ensure_indices
from read_index.queries import CatalogReader
from tests.support.readers import catalog_reader


@pytest.fixture(scope="module")
async def module_client(elasticsearch_url: str) -> AsyncIterator[AsyncElasticsearch]:
    client = AsyncElasticsearch(elasticsearch_url, request_timeout=30, serializer=OrjsonSerializer())
    yield client
    await client.close()


@pytest.fixture(scope="module")
async def module_prefix(module_client: AsyncElasticsearch) -> AsyncIterator[str]:
    """A unique prefix whose indices exist for the whole module and are deleted after it."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    await ensure_indices(module_client, prefix)
    yield prefix
    await delete_indices(module_client, prefix)


@pytest.fixture(scope="module")
def module_reader(module_client: AsyncElasticsearch, module_prefix: str) -> CatalogReader:
    return catalog_reader(module_client, module_prefix)
