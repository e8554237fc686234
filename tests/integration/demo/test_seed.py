"""Seeding the demo catalog through the message bus, on SQLite and PostgreSQL: what it writes, and that a
second run writes nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.demo.assortment import stock_levels
from api.demo.catalog_data import SEED, product
from api.demo.orders_data import orders
from api.demo.seed import SKU_PREFIX, item_count, outbox_events, seed_demo
from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import CreateProduct
from domain.storage.tables import orders as order_rows
from domain.storage.tables import products as product_rows
from domain.storage.unit_of_work import SqlUnitOfWorkFactory

PRODUCTS = 50


@pytest.fixture
def bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    factory = SqlUnitOfWorkFactory(engine, serialize_writes=database_url.startswith("sqlite"))
    return MessageBus(factory, COMMAND_HANDLERS)


async def test_seeding_writes_the_products_their_stock_and_the_customers_orders(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    advanced: list[int] = []
    result = await seed_demo(bus, PRODUCTS, advanced.append)
    async with engine.connect() as connection:
        products = (await connection.execute(select(product_rows.c.sku, product_rows.c.on_hand))).all()
        statuses = Counter((await connection.execute(select(order_rows.c.status))).scalars())
    expected = orders(PRODUCTS, SKU_PREFIX)
    shipped = sum(line.quantity for order in expected if order.shipped for line in order.lines)
    assert len(products) == PRODUCTS
    seeded = sum(units for i in range(PRODUCTS) for _, units in stock_levels(i, product(i), seed=SEED))
    assert sum(on_hand for _, on_hand in products) + shipped == seeded
    assert statuses == Counter("SHIPPED" if order.shipped else "PAID" if order.paid else "PLACED" for order in expected)
    assert sum(advanced) == item_count(PRODUCTS)
    assert result.token is not None
    assert result.refused == 0


async def test_a_second_seed_writes_nothing(bus: MessageBus, engine: AsyncEngine) -> None:
    await seed_demo(bus, PRODUCTS)
    written = await outbox_events(engine)
    again = await seed_demo(bus, PRODUCTS)
    assert await outbox_events(engine) == written
    assert again.refused == 0


async def test_a_larger_second_seed_adds_only_the_new_products(bus: MessageBus, engine: AsyncEngine) -> None:
    await seed_demo(bus, PRODUCTS)
    await seed_demo(bus, PRODUCTS + 10)
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(product_rows))).scalar_one()
    assert count == PRODUCTS + 10


async def test_a_demo_item_the_domain_refuses_is_counted_and_the_rest_is_seeded(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    taken = product(0, sku_prefix=SKU_PREFIX).sku
    await bus.dispatch(CreateProduct(sku=taken, name="Someone else's", price_amount="1.00", price_currency="EUR"))
    result = await seed_demo(bus, 20)
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(product_rows))).scalar_one()
    assert count == 20
    assert result.refused >= 1
    assert result.first_refusal is not None
    assert result.first_refusal.startswith(f"product {taken}: ")
