"""Variants in the SQL write model, on SQLite and PostgreSQL: no oversell per variant under concurrent orders,
sku uniqueness across products and variants and slug uniqueness under racing creates, and the rows they keep."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import (
    AddProductVariant,
    CreateProduct,
    OrderLineRequest,
    PlaceOrder,
    ReceiveStock,
    VariantRequest,
)
from domain.model.errors import Duplicate, InsufficientStock
from domain.ports import Outcome
from domain.storage.engine import is_sqlite
from domain.storage.tables import product_variants, products, skus
from domain.storage.unit_of_work import SqlUnitOfWorkFactory

RACERS = 8


@pytest.fixture
def bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    return MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url)), COMMAND_HANDLERS)


def sized(sku: str, size: str) -> VariantRequest:
    return VariantRequest(sku=sku, options=(("size", size),))


def shirt(sku: str = "SHIRT", name: str = "Linen shirt", **overrides: object) -> CreateProduct:
    variants = (sized(f"{sku}-S", "S"), sized(f"{sku}-M", "M"), sized(f"{sku}-L", "L"))
    fields: dict[str, object] = {"sku": sku, "name": name, "price_amount": "49.00", "price_currency": "EUR"}
    return CreateProduct(**(fields | {"variants": variants} | overrides))  # type: ignore[arg-type]


async def test_fifty_concurrent_orders_for_the_last_ten_units_of_one_variant_sell_exactly_ten(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    await bus.dispatch(shirt())
    for sku in ("SHIRT-S", "SHIRT-M", "SHIRT-L"):
        await bus.dispatch(ReceiveStock(sku=sku, quantity=10))
    order = PlaceOrder(customer_id="c1", lines=(OrderLineRequest(sku="SHIRT-M", quantity=1),))
    results = await asyncio.gather(*(bus.dispatch(order) for _ in range(50)), return_exceptions=True)
    succeeded = [result for result in results if isinstance(result, Outcome)]
    refused = [result for result in results if isinstance(result, InsufficientStock)]
    assert (len(succeeded), len(refused)) == (10, 40)
    async with engine.connect() as connection:
        stock = {
            row.sku: (row.on_hand, row.reserved)
            for row in await connection.execute(select(product_variants.c.sku, product_variants.c.on_hand,
                                                       product_variants.c.reserved))
        }  # fmt: skip
        total = (await connection.execute(select(products.c.on_hand, products.c.reserved))).one()
    assert stock == {"SHIRT-S": (10, 0), "SHIRT-M": (10, 10), "SHIRT-L": (10, 0)}
    assert tuple(total) == (30, 10)


async def test_a_variant_row_never_holds_more_reserved_than_on_hand(bus: MessageBus, engine: AsyncEngine) -> None:
    await bus.dispatch(shirt())
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(
                update(product_variants).where(product_variants.c.sku == "SHIRT-M").values(reserved=1)
            )


async def test_racing_creates_with_one_made_slug_all_succeed_with_distinct_slugs(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    creates = [CreateProduct(sku=f"OAK-{i}", name="Oak chair", price_amount="9", price_currency="EUR")
               for i in range(RACERS)]  # fmt: skip
    outcomes = await asyncio.gather(*(bus.dispatch(create) for create in creates))
    assert all(outcome.version == 1 for outcome in outcomes)
    async with engine.connect() as connection:
        slugs = set((await connection.execute(select(products.c.slug))).scalars())
    assert slugs == {"oak-chair", *(f"oak-chair-{n}" for n in range(2, RACERS + 1))}


async def test_racing_creates_with_one_variant_sku_one_wins_the_others_are_duplicates(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    creates = [shirt(f"SHIRT{i}", variants=(sized("THE-ONE", "M"), sized(f"OWN-{i}", "L"))) for i in range(RACERS)]
    results = await asyncio.gather(*(bus.dispatch(create) for create in creates), return_exceptions=True)
    won = [result for result in results if isinstance(result, Outcome)]
    lost = [result for result in results if isinstance(result, Duplicate)]
    assert (len(won), len(lost)) == (1, RACERS - 1)
    assert all([(p.code.value, p.field) for p in error.problems] == [("DUPLICATE", "variants.0.sku")] for error in lost)
    async with engine.connect() as connection:
        registered = set((await connection.execute(select(skus.c.sku))).scalars())
        count = len((await connection.execute(select(products.c.id))).all())
    assert count == 1
    assert "THE-ONE" in registered
    assert len(registered) == 3  # the winner's own sku (a style number) and its two variants' skus


async def test_the_sku_registry_holds_every_sku_once_and_refuses_it_to_another_product_or_variant(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    shirt_id = (await bus.dispatch(shirt())).aggregate_id
    mug_id = (
        await bus.dispatch(CreateProduct(sku="MUG-1", name="Mug", price_amount="8", price_currency="EUR"))
    ).aggregate_id
    with pytest.raises(Duplicate) as refused:
        await bus.dispatch(AddProductVariant(product_id=shirt_id, variant=sized("MUG-1", "XL")))
    assert [(p.code.value, p.field) for p in refused.value.problems] == [("DUPLICATE", "variant.sku")]
    with pytest.raises(Duplicate):
        await bus.dispatch(CreateProduct(sku="SHIRT", name="Again", price_amount="1", price_currency="EUR"))
    async with engine.connect() as connection:
        rows = {row.sku: (row.product_id, row.variant_id is None) for row in await connection.execute(select(skus))}
    assert rows == {
        "SHIRT": (shirt_id, True),  # the product's own sku names no variant
        "SHIRT-S": (shirt_id, False),
        "SHIRT-M": (shirt_id, False),
        "SHIRT-L": (shirt_id, False),
        "MUG-1": (mug_id, False),  # a product created without variants: its sku is its one variant's
    }
