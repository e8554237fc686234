"""`verify` compares content, not only versions: each document against the one the write model's row would make.

The four kinds of drift: missing, stale (another version), different content at the same version, extra.
"""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from read_index.indices import ORDERS, PRODUCTS, alias_name
from sync.rebuild import rebuild
from sync.verify import verify
from tests.integration.sync.conftest import assert_verified_clean, cli_environment, run_cli
from tests.integration.sync.workload import Catalog, churn, create_products

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
async def indexed(bus: MessageBus, engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str) -> Catalog:
    """A catalog with orders in several states, rebuilt into the index from the write model."""
    catalog = Catalog()
    await create_products(bus, catalog, 6)
    await churn(bus, catalog, 12)
    await rebuild(engine, es_client, index_prefix)
    await es_client.indices.refresh(index=f"{index_prefix}-*")
    return catalog


async def rewrite(client: AsyncElasticsearch, alias: str, doc_id: str, change: dict[str, Any]) -> None:
    """Changes a document's content in place, keeping its version (as a bug or a hand edit could)."""
    current = await client.get(index=alias, id=doc_id)
    await client.index(
        index=alias,
        id=doc_id,
        document={**current["_source"], **change},
        version=current["_version"],
        version_type="external_gte",
        refresh=True,
    )


async def test_a_document_whose_content_differs_at_the_same_version_is_reported(
    engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, indexed: Catalog
) -> None:
    await assert_verified_clean(engine, es_client, index_prefix)
    doc_id = indexed.product_ids[2]
    await rewrite(es_client, alias_name(index_prefix, PRODUCTS), doc_id, {"name": "Tampered", "in_stock": False})

    report = await verify(engine, es_client, index_prefix)

    [products, orders, webhooks] = report.read_models
    assert (products.missing, products.stale, products.different, products.extra) == (0, 0, 1, 0)
    assert orders.clean
    assert webhooks.clean
    assert not report.clean
    [line] = products.samples
    assert line.startswith(f"different products/{doc_id} at version ")
    assert line.endswith(": in_stock, name")


async def test_an_order_whose_content_differs_is_reported_as_well(
    engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, indexed: Catalog
) -> None:
    alias = alias_name(index_prefix, ORDERS)
    hit = (await es_client.search(index=alias, size=1))["hits"]["hits"][0]
    await rewrite(es_client, alias, hit["_id"], {"placed_at": hit["_source"]["placed_at"][:19]})  # no offset

    report = await verify(engine, es_client, index_prefix, [ORDERS])

    assert report.read_models[0].different == 1
    assert report.read_models[0].samples[0].endswith(": placed_at")


async def test_missing_stale_and_extra_documents_are_told_apart(
    engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str, indexed: Catalog
) -> None:
    alias = alias_name(index_prefix, PRODUCTS)
    gone, older = indexed.product_ids[0], indexed.product_ids[1]
    await es_client.delete(index=alias, id=gone, refresh=True)
    current = await es_client.get(index=alias, id=older)
    await es_client.index(
        index=alias, id=older, document=current["_source"], version=current["_version"] + 5,
        version_type="external", refresh=True,
    )  # fmt: skip
    await es_client.index(index=alias, id="no-such-product", document=current["_source"], refresh=True)

    [products] = (await verify(engine, es_client, index_prefix, [PRODUCTS])).read_models

    assert (products.missing, products.stale, products.different, products.extra) == (1, 1, 0, 1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's naive datetimes lost the offset
async def test_reindex_on_sqlite_keeps_the_utc_offset_and_verifies_clean_by_content(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 4)
    await churn(bus, catalog, 6)
    env = cli_environment(database_url, elasticsearch_url, index_prefix)

    reindexed = await run_cli(env, "reindex", "--read-model", "all")
    verified = await run_cli(env, "verify")

    assert reindexed.returncode == 0, reindexed.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "different 0" in verified.stdout
    document = (await es_client.get(index=alias_name(index_prefix, PRODUCTS), id=catalog.product_ids[0]))["_source"]
    assert document["created_at"].endswith("+00:00")
    assert document["updated_at"].endswith("+00:00")
