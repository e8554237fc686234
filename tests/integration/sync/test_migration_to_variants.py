"""Migration 0002 (variants, images, slugs) on a write model written the old way, on SQLite and PostgreSQL.

A database at revision 0001 gets products and an order as the service wrote them before variants (rows and
outbox records, their states without slugs, images, variants or variant fields on order lines). Migrated, its rows
read back as the snapshots the model gives; the outbox is left as it was; commands go on; a worker that lagged
behind the upgrade indexes the old records as they are, then `catalog reindex` rebuilds the indices from the
migrated rows, `catalog verify` finds them clean, and the old-style reads answer as before.

(No worker of this release runs before the upgrade: it refuses a database behind its schema,
tests/integration/sync/test_schema_behind.py.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.catalog import Product
from domain.model.commands import CancelOrder, CreateProduct, ReceiveStock
from domain.model.events import PRODUCT
from domain.model.inventory import StockReceipt
from domain.model.order_lines import OrderRequest
from domain.model.orders import Order
from domain.model.snapshots import ProductSnapshot
from domain.storage import aggregate_pages
from domain.storage.aggregate_rows import rows_to_write
from domain.storage.engine import create_async, create_sync, is_sqlite
from domain.storage.migrate import upgrade
from domain.storage.tables import orders, outbox, products, skus
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from read_index.queries import CatalogReader
from read_index.search import ProductFilter, SearchRequest
from sync.rebuild import rebuild
from sync.worker import SyncWorker
from tests.conftest import DATABASES, new_database
from tests.integration.sync.conftest import FAST, assert_verified_clean
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
# (sku, name, price, received, ordered): two names that make the same slug, one product sold out
OLD_CATALOG = (
    ("OAK-1", "Oak chair", "10.00", 5, 2),
    ("OAK-2", "Oak Chair", "12.50", 3, 0),
    ("MUG-1", "Mug", "8.00", 0, 0),
)
NEW_KEYS = ("slug", "images", "variants")
NEW_LINE_KEYS = ("variant_name", "options")


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else []) for name in DATABASES]
)
def old_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database at revision 0001, the schema before variants."""
    url = new_database(request, tmp_path, "old")
    upgrade(url, "0001")
    return url


@dataclasses.dataclass
class OldWrites:
    product_ids: dict[str, str]
    order_id: str
    outbox: list[Any]


def _old_state(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """A state as the service wrote it before variants: the same fields, none of the new ones."""
    if state is None:
        return None
    old = {key: value for key, value in state.items() if key not in NEW_KEYS}
    if "lines" in old:
        old["lines"] = _old_lines(old["lines"])
    return old


def _old_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in line.items() if key not in NEW_LINE_KEYS} for line in lines]


def write_the_old_way(engine: Engine) -> OldWrites:
    """Rows and outbox records of the old catalog, written with the columns revision 0001 has."""
    made: dict[str, Product] = {}
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for sku, name, price, received, _ in OLD_CATALOG:
        product = Product.create(sku=sku, name=name, price_amount=price, price_currency="EUR", slug="x", now=NOW)
        events += rows_to_write(product).outbox
        product.pending_events.clear()
        if received:
            product.receive_stock(StockReceipt(sku, received), NOW)
        made[sku] = product
    lines = [(sku, ordered) for sku, *_, ordered in OLD_CATALOG if ordered]
    order = Order.place(OrderRequest.checked("c-old", lines), made, NOW)
    for product in made.values():
        written = rows_to_write(product)
        rows.append({key: value for key, value in written.row.items() if key not in NEW_KEYS})
        events += written.outbox
    written_order = rows_to_write(order)
    order_row = {**written_order.row, "lines": _old_lines(written_order.row["lines"])}
    events += written_order.outbox
    for event in events:
        event["state"] = _old_state(event["state"])
        del event["partition"]  # revision 0004's
    with engine.begin() as connection:
        connection.execute(insert(products), rows)
        connection.execute(insert(orders), [order_row])
        connection.execute(insert(outbox), events)
        stored = list(connection.execute(select(outbox.c.sequence, outbox.c.state).order_by(outbox.c.sequence)))
    return OldWrites({sku: product.id for sku, product in made.items()}, order.id, stored)


@pytest.fixture
def old_writes(old_database_url: str) -> Iterator[OldWrites]:
    engine = create_sync(old_database_url)
    try:
        yield write_the_old_way(engine)
    finally:
        engine.dispose()


@pytest.fixture
async def async_engine(old_database_url: str, old_writes: OldWrites) -> AsyncIterator[AsyncEngine]:
    engine = create_async(old_database_url)
    yield engine
    await engine.dispose()


async def old_style_reads(reader: CatalogReader, writes: OldWrites) -> dict[str, Any]:
    """What an old client asks, with only the fields an old answer had."""
    page = await reader.search_products(SearchRequest(query="oak chair", filter=ProductFilter(in_stock=True)))
    products = {sku: old_fields(await reader.product(product_id)) for sku, product_id in writes.product_ids.items()}
    return {
        "search": (page.total_count, [document["id"] for _, document in page.edges]),
        "products": products,
        "stock": {sku: await reader.stock_level(sku) for sku in writes.product_ids},
        "order": await reader.order(writes.order_id),
    }


def old_fields(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """A product as an old answer had it: the reader shows a document indexed before variants in the new shape too,
    with a variant and a slug made up until the reindex (the migrated rows' variant id and unique slug then)."""
    if document is None:
        return None
    return {key: value for key, value in document.items() if key not in NEW_PRODUCT_FIELDS}


NEW_PRODUCT_FIELDS = {"slug", "images", "variants", "options", "price_range"}


def answered_as_before(before: Any, after: Any) -> Any:
    """`after` cut to what `before` had: a newer document may add fields, never change the old ones."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {key: answered_as_before(value, after.get(key)) for key, value in before.items()}
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [answered_as_before(b, a) for b, a in zip(before, after, strict=True)]
    return after


async def product_states(connection: AsyncConnection) -> dict[str, ProductSnapshot]:
    """Every product's snapshot as rebuilds read them from the rows, by sku."""
    states = await aggregate_pages.read_states(connection, PRODUCT, None, 100)
    snapshots = [cast(ProductSnapshot, state.state) for state in states]
    return {snapshot["sku"]: snapshot for snapshot in snapshots}


async def test_the_migrated_rows_read_back_as_the_snapshots_the_model_gives(
    old_database_url: str, old_writes: OldWrites, async_engine: AsyncEngine
) -> None:
    upgrade(old_database_url)
    async with async_engine.connect() as connection:
        by_sku = await product_states(connection)
        registry = {row.sku: (row.product_id, row.variant_id) for row in await connection.execute(select(skus))}
        outbox_after = list(await connection.execute(select(outbox).order_by(outbox.c.sequence)))
    for sku, name, price, received, ordered in OLD_CATALOG:
        snapshot = by_sku[sku]
        [variant] = snapshot["variants"]
        assert variant == {
            "id": variant["id"], "sku": sku, "name": name, "options": [], "price": {"amount": price, "currency": "EUR"},
            "own_price": None, "status": "ACTIVE", "on_hand": received, "reserved": ordered,
        }  # fmt: skip
        assert (snapshot["on_hand"], snapshot["reserved"], snapshot["images"]) == (received, ordered, [])
        assert Product.from_snapshot(snapshot).snapshot() == snapshot
        assert registry[sku] == (snapshot["id"], variant["id"])
    assert [by_sku[sku]["slug"] for sku in ("OAK-1", "OAK-2", "MUG-1")] in (
        ["oak-chair", "oak-chair-2", "mug"],
        ["oak-chair-2", "oak-chair", "mug"],  # suffixes go by the products' ids
    )
    assert [(row.sequence, row.state) for row in outbox_after] == [
        (row.sequence, row.state) for row in old_writes.outbox
    ]


async def test_commands_go_on_after_the_migration_on_the_old_skus_and_orders(
    old_database_url: str, old_writes: OldWrites, async_engine: AsyncEngine
) -> None:
    upgrade(old_database_url)
    bus = MessageBus(SqlUnitOfWorkFactory(async_engine, serialize_writes=is_sqlite(old_database_url)), COMMAND_HANDLERS)
    await bus.dispatch(CancelOrder(order_id=old_writes.order_id, reason="changed mind"))
    await bus.dispatch(ReceiveStock(sku="MUG-1", quantity=4))
    created = await bus.dispatch(CreateProduct(sku="OAK-3", name="Oak chair", price_amount="9", price_currency="EUR"))
    async with async_engine.connect() as connection:
        states = await product_states(connection)
        order_lines = (await connection.execute(select(orders.c.lines))).scalar_one()
    assert (states["OAK-1"]["variants"][0]["reserved"], states["MUG-1"]["on_hand"]) == (0, 4)
    assert states["OAK-3"]["id"] == created.aggregate_id
    assert states["OAK-3"]["slug"] == "oak-chair-3"
    assert order_lines[0]["variant_name"] == "Oak chair"  # the old line, saved again, names its product


async def test_reindexed_after_the_migration_verify_is_clean_and_old_reads_answer_as_before(
    old_database_url: str,
    old_writes: OldWrites,
    async_engine: AsyncEngine,
    es_client: AsyncElasticsearch,
    index_prefix: str,
) -> None:
    upgrade(old_database_url)
    worker_engine = create_async(old_database_url, sqlite_immediate=False)
    try:
        worker = SyncWorker(worker_engine, es_client, index_prefix, FAST, registry=CollectorRegistry())
        await worker.run_until_caught_up()  # the old outbox's states, as a worker lagging behind the upgrade reads them
        await es_client.indices.refresh(index=f"{index_prefix}-*")
        reader = catalog_reader(es_client, index_prefix)
        before = await old_style_reads(reader, old_writes)
        assert before["search"][0] == 2  # the oak chairs; the mug is sold out, and no oak chair

        await rebuild(worker_engine, es_client, index_prefix, options=FAST)
        await assert_verified_clean(async_engine, es_client, index_prefix)
        await es_client.indices.refresh(index=f"{index_prefix}-*")
        after = await old_style_reads(reader, old_writes)
    finally:
        await worker_engine.dispose()
    assert answered_as_before(before, after) == before
