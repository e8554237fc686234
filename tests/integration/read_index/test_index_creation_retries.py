"""A create that timed out may have succeeded: the client sends it again, and the index is still created once."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.indices import create_fresh_index, current_index, fresh_index_name
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.elasticsearch


async def test_a_fresh_index_whose_create_timed_out_and_was_retried_is_created_once(
    elasticsearch_url: str, es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    upstream = urlsplit(elasticsearch_url)
    async with TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 9200, hold_first_answer=3.0) as proxy:
        impatient = AsyncElasticsearch(proxy.url, request_timeout=1.0, max_retries=2, retry_on_timeout=True)
        try:
            name = await create_fresh_index(impatient, index_prefix, "products")
        finally:
            await impatient.close()

    assert proxy.connections >= 2  # the first answer was held past the timeout: the client sent the create again
    assert (await es_client.indices.exists(index=name)).body
    assert await current_index(es_client, index_prefix, "products") is None  # fresh indices carry no alias


async def test_creating_a_fresh_index_again_under_its_name_is_harmless(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    name = fresh_index_name(index_prefix, "orders")

    assert await create_fresh_index(es_client, index_prefix, "orders", name=name) == name
    assert await create_fresh_index(es_client, index_prefix, "orders", name=name) == name
