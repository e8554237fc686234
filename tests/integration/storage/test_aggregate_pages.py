"""The write model's aggregates read page by page (rebuild, verify): each row gives the snapshot the outbox carried.

A rebuilt document is only equal to the one sync made if the snapshot read from a row equals the snapshot the
aggregate's newest outbox record carries, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import OrderLineRequest, PlaceOrder
from domain.model.events import ORDER, PRODUCT
from domain.model.snapshots import OrderSnapshot, ProductSnapshot
from domain.storage import aggregate_pages
from domain.storage.aggregate_pages import AggregateState
from domain.storage.engine import is_sqlite
from domain.storage.tables import outbox
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.sync.workload import Catalog, churn, create_products


@pytest.fixture
def bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    return MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url)), COMMAND_HANDLERS)


async def read_all(engine: AsyncEngine, aggregate_type: str, page: int = 4) -> list[AggregateState]:
    read: list[AggregateState] = []
    async with engine.connect() as connection:
        while batch := await aggregate_pages.read_states(
            connection, aggregate_type, read[-1].aggregate_id if read else None, page
        ):
            read.extend(batch)
    return read


async def newest_outbox_states(engine: AsyncEngine, aggregate_type: str) -> dict[str, tuple[int, Any]]:
    query = (
        select(outbox.c.aggregate_id, outbox.c.aggregate_version, outbox.c.state)
        .where(outbox.c.aggregate_type == aggregate_type)
        .order_by(outbox.c.sequence)
    )
    newest: dict[str, tuple[int, Any]] = {}
    async with engine.connect() as connection:
        for aggregate_id, version, state in await connection.execute(query):
            if state is not None:
                newest[aggregate_id] = (version, state)
    return newest


@pytest.mark.parametrize("aggregate_type", [PRODUCT, ORDER])
async def test_each_row_gives_the_snapshot_its_aggregates_newest_outbox_record_carries(
    bus: MessageBus, engine: AsyncEngine, aggregate_type: str
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 6)
    await churn(bus, catalog, 40)

    read = await read_all(engine, aggregate_type)

    assert len(read) == len(catalog.products if aggregate_type == PRODUCT else catalog.orders)
    assert {state.aggregate_id: (state.version, state.state) for state in read} == await newest_outbox_states(
        engine, aggregate_type
    )


async def test_times_read_from_rows_are_utc_with_their_offset_whatever_the_database(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 1)
    await bus.dispatch(PlaceOrder(customer_id="c-1", lines=(OrderLineRequest(sku="P-00000", quantity=1),)))

    [product_read] = await read_all(engine, PRODUCT)
    [order_read] = await read_all(engine, ORDER)

    product, order = cast(ProductSnapshot, product_read.state), cast(OrderSnapshot, order_read.state)
    times = [product["created_at"], product["updated_at"], order["placed_at"], order["updated_at"]]
    assert all(time.endswith("+00:00") for time in times), times
