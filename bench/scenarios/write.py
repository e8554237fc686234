"""Write path: createProduct and placeOrder mutations per second over HTTP, against SQLAlchemy Core inserts of the
same rows and outbox rows (one transaction per command), on SQLite and on PostgreSQL.

The service under test runs with its in-process sync worker off, so indexing (measured by the sync scenario)
does not share the two cores with the writes; both sides write to the same seeded database, interleaved.
SQLite allows one writer: the limit writes sequentially with the synchronous driver; ours takes 16 concurrent
HTTP clients (the service queues them on its write lock). PostgreSQL: both sides run 16 concurrent writers.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from api.demo import catalog_data as catalog
from bench.http import GraphQLClient
from bench.load import Operation, PathResult, compare
from bench.queries import CREATE_PRODUCT, PLACE_ORDER
from bench.report import Row
from bench.rows import Known, Rows, insert_in, known_products, product_rows
from bench.run import Run
from domain.model.commands import CreateProduct
from domain.model.order_lines import OrderRequest
from domain.model.orders import Order
from domain.storage.aggregate_rows import product_from_rows, rows_to_write
from domain.storage.engine import create_async, create_sync
from domain.storage.migrate import upgrade
from domain.storage.tables import orders, outbox, product_variants, products

RawOrder = tuple[dict[str, Any], list[dict[str, Any]], list[tuple[str, int]]]
TARGET = 0.5
SQLITE_CONCURRENCY = 16
POOL_FULL = 40_000
POOL_QUICK = 3_000
POSTGRES_CONCURRENCY = 16


def create_input(command: CreateProduct) -> dict[str, Any]:
    variants = None
    if command.variants is not None:
        variants = [
            {
                "sku": variant.sku,
                "options": [{"name": name, "value": value} for name, value in variant.options],
                "price": None if variant.price is None else {"amount": str(variant.price.amount), "currency": "EUR"},
            }
            for variant in command.variants
        ]
    return {
        "input": {
            "sku": command.sku,
            "name": command.name,
            "description": command.description,
            "brand": command.brand,
            "categoryPath": list(command.category_path),
            "price": {"amount": str(command.price_amount), "currency": command.price_currency},
            "attributes": [{"name": name, "value": value} for name, value in command.attributes],
            "slug": command.slug,
            "variants": variants,
            "images": [
                {"url": image.url, "alt": image.alt, "width": image.width, "height": image.height}
                for image in command.images
            ],
        }
    }


def _order_lines(rng: random.Random, skus: list[str]) -> list[tuple[str, int]]:
    return [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]


class RawWriter:
    """The same rows the unit of work writes, inserted directly, one transaction per command."""

    def __init__(self, database_url: str, catalog_products: Known) -> None:
        self.postgres = not database_url.startswith("sqlite")
        self.sync_engine: Engine | None = None if self.postgres else create_sync(database_url)
        self.async_engine: AsyncEngine | None = create_async(database_url) if self.postgres else None
        self._products = catalog_products  # variant sku -> product and variant rows, for order rows

    def create_rows(self, commands: list[CreateProduct]) -> list[Rows]:
        return [product_rows([command], stock=0) for command in commands]

    def create_rows_together(self, commands: list[CreateProduct]) -> Rows:
        """The rows of several creates, to insert in one transaction (the bulk scenario's limit)."""
        return product_rows(commands, stock=0)

    def order_rows(self, lines: list[tuple[str, int]]) -> RawOrder:
        now = datetime.now(UTC)
        touched = {sku: self._fresh_product(sku) for sku, _ in lines}
        order = Order.place(OrderRequest.checked("customer-bench", lines), touched, now)
        written = rows_to_write(order)
        events = written.outbox + [row for product in touched.values() for row in rows_to_write(product).outbox]
        return written.row, events, lines

    def _fresh_product(self, sku: str) -> Any:
        return product_from_rows(*self._products[sku])

    def insert_sync(self, rows: Rows) -> None:
        assert self.sync_engine is not None
        with self.sync_engine.begin() as connection:
            insert_in(connection, rows)

    async def insert_async(self, rows: Rows) -> None:
        assert self.async_engine is not None
        async with self.async_engine.begin() as connection:
            await connection.run_sync(insert_in, rows)

    def place_sync(self, order: RawOrder) -> None:
        assert self.sync_engine is not None
        order_row, events, lines = order
        with self.sync_engine.begin() as connection:
            for sku, quantity in sorted(lines):
                for statement in self._reserve(sku, quantity):
                    connection.execute(statement)
            connection.execute(insert(orders), [order_row])
            connection.execute(insert(outbox), events)

    async def place_async(self, order: RawOrder) -> None:
        assert self.async_engine is not None
        order_row, events, lines = order
        async with self.async_engine.begin() as connection:
            ids = sorted({self._products[sku][0]["id"] for sku, _ in lines})
            await connection.execute(select(products.c.id).where(products.c.id.in_(ids)).with_for_update())
            for sku, quantity in sorted(lines):
                for statement in self._reserve(sku, quantity):
                    await connection.execute(statement)
            await connection.execute(insert(orders), [order_row])
            await connection.execute(insert(outbox), events)

    def _reserve(self, sku: str, quantity: int) -> list[Any]:
        """The variant's reservation, and its product's sum and version."""
        product_id = self._products[sku][0]["id"]
        return [
            update(product_variants)
            .where(product_variants.c.sku == sku)
            .values(reserved=product_variants.c.reserved + quantity),
            update(products)
            .where(products.c.id == product_id)
            .values(reserved=products.c.reserved + quantity, version=products.c.version + 1),
        ]

    async def close(self) -> None:
        if self.sync_engine is not None:
            self.sync_engine.dispose()
        if self.async_engine is not None:
            await self.async_engine.dispose()


def _load_products(database_url: str, limit: int) -> Known:
    engine = create_sync(database_url)
    try:
        with engine.connect() as connection:
            return known_products(connection, limit)
    finally:
        engine.dispose()


def _row(backend: str, metric: str, results: dict[str, PathResult]) -> Row:
    ours, limit = results["ours"], results["limit"]
    cpu = {f"ours:{k}": v for k, v in ours.cpu_ms_per_op().items()}
    cpu |= {f"limit:{k}": v for k, v in limit.cpu_ms_per_op().items()}
    return Row(
        "write", f"{metric}/s {backend}", "ops/s", ours.throughput, limit.throughput, TARGET, "higher",
        cpu_ms_per_op=cpu, note=f"ours p50 {ours.p50 * 1000:.1f} ms, limit p50 {limit.p50 * 1000:.1f} ms",
    )  # fmt: skip


class Pools:
    """Every request and row a measurement may use, built before timing: the limit measures inserting rows,
    not making them. Each burst stops early if its pool share runs out."""

    def __init__(self, raw: RawWriter, skus: list[str], size: int, tag: str) -> None:
        rng = random.Random(11)
        self.limit_creates = iter(raw.create_rows(list(catalog.products(0, size, sku_prefix=f"WRAW{tag}"))))
        self.limit_orders = iter([raw.order_rows(_order_lines(rng, skus)) for _ in range(size)])
        self.creates = iter(
            [
                GraphQLClient.body(CREATE_PRODUCT, create_input(command))
                for command in catalog.products(0, size, sku_prefix=f"WOUR{tag}")
            ]
        )
        self.orders = iter(
            [GraphQLClient.body(PLACE_ORDER, _order_input(_order_lines(rng, skus))) for _ in range(size)]
        )


def _order_input(lines: list[tuple[str, int]]) -> dict[str, Any]:
    lines_input = [{"sku": sku, "quantity": quantity} for sku, quantity in lines]
    return {"input": {"customerId": "customer-bench", "lines": lines_input}}


def _operations(client: GraphQLClient, raw: RawWriter, pools: Pools) -> list[tuple[str, Operation, Operation]]:
    async def our_create(_: int) -> None:
        await client.command(next(pools.creates), "createProduct")

    async def our_order(_: int) -> None:
        await client.command(next(pools.orders), "placeOrder")

    async def raw_create(_: int) -> None:
        rows = next(pools.limit_creates)
        if raw.postgres:
            await raw.insert_async(rows)
        else:
            raw.insert_sync(rows)

    async def raw_order(_: int) -> None:
        order = next(pools.limit_orders)
        if raw.postgres:
            await raw.place_async(order)
        else:
            raw.place_sync(order)

    return [("createProduct", our_create, raw_create), ("placeOrder", our_order, raw_order)]


async def _backend(run: Run, backend: str, database_url: str) -> None:
    settings = run.settings
    seeded = min(settings.products, 5_000)
    run.seed(database_url, seeded, label=f"{seeded:,} products for writes on {backend}", sku_prefix="WSEED")
    known = _load_products(database_url, seeded)
    service = run.service(database_url, run.prefix(f"write-{backend}"), sync_in_process=False)
    raw = RawWriter(database_url, known)
    client = GraphQLClient(service.url, service.token("catalog:write", "orders:write", "inventory:write"))
    concurrency = POSTGRES_CONCURRENCY if raw.postgres else SQLITE_CONCURRENCY
    size = POOL_QUICK if settings.quick else POOL_FULL
    run.console.log(f"write: preparing {size:,} requests and rows of each kind for {backend}")
    pools = Pools(raw, list(known), size, backend[:2].upper())
    bursts = settings.repetitions * 2
    try:
        for metric, ours, limit in _operations(client, raw, pools):
            run.console.log(f"write: {metric} on {backend}")
            results = await compare(
                {"ours": ours, "limit": limit},
                concurrency={"ours": concurrency, "limit": concurrency if raw.postgres else 1},
                seconds=settings.seconds * 2,
                bursts=bursts,
                probes=run.cpu_probes(service),
                max_ops=size // (bursts + 2),
            )
            run.report.rows.append(_row(backend, metric, results))
    finally:
        await client.close()
        await raw.close()
        run.stop_service(service)


async def run(run: Run) -> None:
    await _backend(run, "sqlite", run.sqlite_url("writes"))
    if run.postgres is not None:
        database_url = run.postgres.new_database("bench_writes")
        upgrade(database_url)
        await _backend(run, "postgres", database_url)
