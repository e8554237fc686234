"""The whole pipeline with variants: random commands through the real bus and write model, the outbox, the real
sync worker and Elasticsearch; then the reads answer as the brute-force model over the write model's state.

Each example starts from an empty database and indices of its own, runs a random sequence of commands (products
created with and without variants, variants added, changed and discontinued, prices changed for the product or
one variant, stock received and reserved by orders, details and slugs changed, products discontinued; refused
commands change nothing and are part of the test), lets the worker catch up, and then compares:
- random searches (options, price ranges, inStock, brands, categories, attributes; price sorts): hits, totals
  and every facet equal `tests/support/catalog_oracle.py` over the write model's snapshots;
- each product read by id (its variants, options, prices, stock, images) and by its current slug, and each of
  its variants' stock levels; a slug it had before resolves to nothing;
- the category tree, each node counting what `searchProducts(filter: {categoryPath})` counts.
The skus the commands gave each product are the ones its snapshot holds, in order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from elastic_transport import OrjsonSerializer
from elasticsearch import AsyncElasticsearch
from hypothesis import HealthCheck, given, settings
from prometheus_client import CollectorRegistry

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.events import PRODUCT
from domain.model.snapshots import ProductSnapshot
from domain.storage.aggregate_pages import read_states
from domain.storage.engine import create_async, is_sqlite
from domain.storage.migrate import upgrade
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from read_index.indices import refresh
from read_index.queries import CatalogReader
from read_index.search import ProductFilter, ProductSort
from sync.worker import SyncWorker
from tests.conftest import DATABASES, new_database
from tests.integration.sync.catalog_scripts import COMMAND_NAMES, Known, Script, Step, scripts
from tests.integration.sync.conftest import FAST
from tests.support.catalog_oracle import CatalogOracle, in_stock, lowest_active_price, product_in_stock
from tests.support.catalog_searches import CATEGORIES, assert_answered_as_the_oracle, random_searches
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

SEARCHES_PER_EXAMPLE = 6


# -- the reads compared ---------------------------------------------------------------------------------------------


def shown(document: dict[str, Any]) -> dict[str, Any]:
    """What a reader shows of a product that the write model's state decides."""
    return {
        "slug": document["slug"],
        "images": document["images"],
        "price_range": (
            Decimal(document["price_range"]["min"]["amount"]),
            Decimal(document["price_range"]["max"]["amount"]),
        ),
        "stock": (document["on_hand"], document["reserved"], document["in_stock"]),
        "variants": [
            (
                variant["sku"],
                [(option["name"], option["value"]) for option in variant["options"]],
                Decimal(variant["price"]["amount"]),
                variant["status"],
                (variant["on_hand"], variant["reserved"], variant["available"], variant["in_stock"]),
            )
            for variant in document["variants"]
        ],
    }


def expected(state: ProductSnapshot) -> dict[str, Any]:
    variants = state["variants"]
    active = [Decimal(variant["price"]["amount"]) for variant in variants if variant["status"] == "ACTIVE"]
    return {
        "slug": state["slug"],
        "images": state["images"],
        "price_range": (lowest_active_price(state), max(active, default=lowest_active_price(state))),
        "stock": (
            sum(variant["on_hand"] for variant in variants),
            sum(variant["reserved"] for variant in variants),
            product_in_stock(state),
        ),
        "variants": [
            (
                variant["sku"],
                [(name, value) for name, value in variant["options"]],
                Decimal(variant["price"]["amount"]),
                variant["status"],
                (
                    variant["on_hand"],
                    variant["reserved"],
                    variant["on_hand"] - variant["reserved"],
                    in_stock(state, variant),
                ),
            )
            for variant in variants
        ],
    }


async def assert_products_read_as_written(
    reader: CatalogReader, states: list[ProductSnapshot], known: list[Known]
) -> None:
    current_slugs = {state["slug"] for state in states}
    for state, product in zip(states, known, strict=True):
        assert [variant["sku"] for variant in state["variants"]] == product.skus
        document = await reader.product(state["id"])
        assert document is not None
        assert shown(document) == expected(state), state["id"]
        by_slug = await reader.product_by_slug(state["slug"])
        assert by_slug is not None
        assert by_slug["id"] == state["id"]
        for retired in product.slugs - current_slugs:
            assert await reader.product_by_slug(retired) is None, retired
        for variant in state["variants"]:
            level = await reader.stock_level(variant["sku"])
            available = variant["on_hand"] - variant["reserved"]
            assert level == {
                "sku": variant["sku"],
                **{k: variant[k] for k in ("on_hand", "reserved")},
                "available": available,
            }


async def assert_category_tree_counts_as_search(reader: CatalogReader, oracle: CatalogOracle) -> None:
    def flattened(nodes: list[dict[str, Any]]) -> Iterator[tuple[tuple[str, ...], int]]:
        for node in nodes:
            yield tuple(node["path"]), node["product_count"]
            yield from flattened(node["children"])

    tree = dict(flattened(await reader.categories([], 2)))
    paths = {category[:depth] for category in CATEGORIES for depth in (1, 2) if len(category) >= depth}
    counted = {path: oracle.search(ProductFilter(category_path=list(path))).total for path in paths}
    assert tree == {path: count for path, count in counted.items() if count}


# -- one example ----------------------------------------------------------------------------------------------------


async def run_example(
    database_url: str,
    elasticsearch_url: str,
    script: list[Step],
    searches: list[tuple[ProductFilter, ProductSort]],
    accepted: Counter[str],
) -> None:
    engine = create_async(database_url)
    worker_engine = create_async(database_url, sqlite_immediate=False)
    client = AsyncElasticsearch(elasticsearch_url, request_timeout=30, serializer=OrjsonSerializer())
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    try:
        bus = MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url)), COMMAND_HANDLERS)
        written = Script(bus, accepted=accepted)
        for step in script:
            await written.run(step)
        worker = SyncWorker(worker_engine, client, prefix, FAST, registry=CollectorRegistry())
        async with asyncio.timeout(120):
            await worker.run_until_caught_up()
        await refresh(client, prefix)
        async with engine.connect() as connection:
            written_states = await read_states(connection, PRODUCT, None, 10_000)
        products = [cast(ProductSnapshot, aggregate.state) for aggregate in written_states]
        known = {product.id: product for product in written.products}
        reader = catalog_reader(client, prefix)
        oracle = CatalogOracle(products)
        await assert_answered_as_the_oracle(reader, oracle, searches)
        await assert_products_read_as_written(reader, products, [known[state["id"]] for state in products])
        await assert_category_tree_counts_as_search(reader, oracle)
    finally:
        await client.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
        await client.close()
        await worker_engine.dispose()
        await engine.dispose()


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else []) for name in DATABASES]
)
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Fresh migrated databases of the parameter's kind, one per call (one per hypothesis example); PostgreSQL's
    are dropped at the end."""
    made: list[str] = []
    postgres = request.getfixturevalue("postgres") if request.param == "postgres" else None

    def make() -> str:
        folder = tmp_path / uuid.uuid4().hex
        folder.mkdir()
        url = new_database(request, folder, "pipeline")
        made.append(url)
        upgrade(url)
        return url

    yield make
    if postgres is not None:
        for url in made:
            postgres.drop_database(url)


def test_random_commands_through_the_pipeline_read_as_the_brute_force_model(
    new_database_url: Callable[[], str], elasticsearch_url: str
) -> None:
    accepted: Counter[str] = Counter()  # over every example: each kind of command must have been accepted

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scripts(), random_searches(SEARCHES_PER_EXAMPLE))
    def read_alike(script: list[Step], searches: list[tuple[ProductFilter, ProductSort]]) -> None:
        asyncio.run(run_example(new_database_url(), elasticsearch_url, script, searches, accepted))

    read_alike()
    assert set(COMMAND_NAMES) - set(accepted) == set(), "every kind of command must have been accepted at least once"
