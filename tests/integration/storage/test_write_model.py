"""The write model on SQLite and PostgreSQL: atomic state + outbox, refusals write nothing, concurrency holds."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import CommandContext, MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import (
    CancelOrder,
    ChangeProductPrice,
    CreateProduct,
    OrderLineRequest,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    ShipOrder,
)
from domain.model.errors import Conflict, Duplicate, ErrorCode, InsufficientStock, ValidationFailed
from domain.outbox import START, ConsistencyToken, OutboxPosition
from domain.ports import Outcome
from domain.storage import outbox_reading
from domain.storage.engine import is_sqlite
from domain.storage.tables import outbox, products
from domain.storage.unit_of_work import SqlUnitOfWorkFactory


@pytest.fixture
def bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    return MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url)), COMMAND_HANDLERS)


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def outbox_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        return list(await connection.execute(select(outbox).order_by(outbox.c.txid, outbox.c.sequence)))


def sofa(sku: str = "SOFA-1", **overrides: Any) -> CreateProduct:
    fields: dict[str, Any] = {"sku": sku, "name": "Blue sofa", "price_amount": "10.00", "price_currency": "EUR"}
    return CreateProduct(**(fields | overrides))


async def stocked_product(bus: MessageBus, sku: str, quantity: int) -> Outcome:
    created = await bus.dispatch(sofa(sku))
    await bus.dispatch(ReceiveStock(sku=sku, quantity=quantity))
    return created


async def test_a_command_commits_its_state_and_its_event_together(bus: MessageBus, engine: AsyncEngine) -> None:
    outcome = await bus.dispatch(sofa())
    [row] = await outbox_rows(engine)
    assert (row.event_type, row.aggregate_id, row.aggregate_version) == ("ProductCreated", outcome.aggregate_id, 1)
    assert row.state["sku"] == "SOFA-1"
    position = OutboxPosition(row.txid, row.sequence)
    assert outcome.consistency_token == ConsistencyToken(position, position, frozenset({row.partition})).text()
    assert await count(engine, products) == 1


async def test_a_refused_command_writes_neither_state_nor_outbox(bus: MessageBus, engine: AsyncEngine) -> None:
    await bus.dispatch(sofa())
    with pytest.raises(Duplicate):
        await bus.dispatch(sofa(name="Another"))
    with pytest.raises(ValidationFailed):
        await bus.dispatch(sofa("OTHER", price_amount="-5"))
    assert await count(engine, outbox) == 1
    assert await count(engine, products) == 1


async def test_an_order_refused_for_one_line_reserves_nothing(bus: MessageBus, engine: AsyncEngine) -> None:
    await stocked_product(bus, "A", 5)
    await stocked_product(bus, "B", 1)
    before = await count(engine, outbox)
    lines = (OrderLineRequest(sku="A", quantity=2), OrderLineRequest(sku="B", quantity=2))
    with pytest.raises(InsufficientStock) as refused:
        await bus.dispatch(PlaceOrder(customer_id="c1", lines=lines))
    assert refused.value.problems[0].field == "lines.1.quantity"
    assert await count(engine, outbox) == before
    async with engine.connect() as connection:
        reserved = (await connection.execute(select(products.c.reserved).where(products.c.sku == "A"))).scalar_one()
    assert reserved == 0


async def test_concurrent_orders_never_oversell(bus: MessageBus, engine: AsyncEngine) -> None:
    await stocked_product(bus, "HOT", 10)
    order = PlaceOrder(customer_id="c1", lines=(OrderLineRequest(sku="HOT", quantity=1),))
    results = await asyncio.gather(*(bus.dispatch(order) for _ in range(50)), return_exceptions=True)
    succeeded = [result for result in results if isinstance(result, Outcome)]
    refused = [result for result in results if isinstance(result, InsufficientStock)]
    assert (len(succeeded), len(refused)) == (10, 40)
    async with engine.connect() as connection:
        row = (await connection.execute(select(products).where(products.c.sku == "HOT"))).one()
    assert (row.on_hand, row.reserved) == (10, 10)


async def test_refusals_among_concurrent_commands_write_nothing_and_the_others_commit(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    """On SQLite concurrent commands share one transaction (group commit): a refused one must take back only its
    own writes."""
    await bus.dispatch(sofa("TAKEN"))
    commands = [sofa("TAKEN") if i % 3 == 0 else sofa(f"NEW-{i}") for i in range(30)]
    results = await asyncio.gather(*(bus.dispatch(command) for command in commands), return_exceptions=True)
    assert [type(result) for result in results] == [Duplicate if i % 3 == 0 else Outcome for i in range(len(commands))]
    assert await count(engine, products) == 21
    rows = await outbox_rows(engine)
    assert len(rows) == 21
    assert {row.aggregate_id for row in rows} == {
        result.aggregate_id for result in results if isinstance(result, Outcome)
    } | {rows[0].aggregate_id}


async def test_a_stale_expected_version_is_a_conflict(bus: MessageBus, engine: AsyncEngine) -> None:
    created = await bus.dispatch(sofa())
    await bus.dispatch(ChangeProductPrice(product_id=created.aggregate_id, price_amount="12", price_currency="EUR"))
    with pytest.raises(Conflict) as refused:
        await bus.dispatch(
            ChangeProductPrice(
                product_id=created.aggregate_id, price_amount="15", price_currency="EUR", expected_version=1
            )
        )
    assert refused.value.problems[0].code is ErrorCode.CONFLICT
    assert await count(engine, outbox) == 2


async def test_concurrent_price_changes_all_apply_in_some_order(bus: MessageBus, engine: AsyncEngine) -> None:
    created = await bus.dispatch(sofa())
    changes = [
        ChangeProductPrice(product_id=created.aggregate_id, price_amount=f"{20 + i}", price_currency="EUR")
        for i in range(10)
    ]
    outcomes = await asyncio.gather(*(bus.dispatch(change) for change in changes))
    assert sorted(outcome.version for outcome in outcomes) == list(range(2, 12))


async def test_a_repeated_idempotency_key_returns_the_first_outcome(bus: MessageBus, engine: AsyncEngine) -> None:
    context = CommandContext(caller="tool-1", idempotency_key="create-sofa")
    first = await bus.dispatch(sofa(), context)
    again = await bus.dispatch(sofa(), context)
    assert again == first
    assert await count(engine, outbox) == 1


async def test_racing_calls_with_one_idempotency_key_run_the_command_once(bus: MessageBus, engine: AsyncEngine) -> None:
    await stocked_product(bus, "A", 100)
    context = CommandContext(caller="shop", idempotency_key="order-42")
    order = PlaceOrder(customer_id="c1", lines=(OrderLineRequest(sku="A", quantity=1),))
    outcomes = await asyncio.gather(*(bus.dispatch(order, context) for _ in range(8)))
    assert len({outcome.aggregate_id for outcome in outcomes}) == 1
    async with engine.connect() as connection:
        reserved = (await connection.execute(select(products.c.reserved))).scalar_one()
    assert reserved == 1


async def test_idempotency_keys_are_scoped_per_caller(bus: MessageBus) -> None:
    await bus.dispatch(sofa("A"), CommandContext(caller="tool-1", idempotency_key="k"))
    other = await bus.dispatch(sofa("B"), CommandContext(caller="tool-2", idempotency_key="k"))
    assert other.version == 1


async def test_reusing_a_key_for_another_command_is_refused(bus: MessageBus) -> None:
    context = CommandContext(caller="tool-1", idempotency_key="k")
    await bus.dispatch(sofa("A"), context)
    with pytest.raises(Conflict) as refused:
        await bus.dispatch(sofa("B"), context)
    assert refused.value.problems[0].field == "idempotencyKey"


async def test_an_orders_life_moves_stock_from_reserved_to_shipped(bus: MessageBus, engine: AsyncEngine) -> None:
    await stocked_product(bus, "A", 5)
    placed = await bus.dispatch(PlaceOrder(customer_id="c1", lines=(OrderLineRequest(sku="A", quantity=2),)))
    await bus.dispatch(PayOrder(order_id=placed.aggregate_id, amount="20.00", currency="EUR"))
    shipped = await bus.dispatch(ShipOrder(order_id=placed.aggregate_id))
    assert shipped.version == 3
    async with engine.connect() as connection:
        row = (await connection.execute(select(products).where(products.c.sku == "A"))).one()
    assert (row.on_hand, row.reserved) == (3, 0)


async def test_cancelling_releases_the_reservation(bus: MessageBus, engine: AsyncEngine) -> None:
    await stocked_product(bus, "A", 5)
    placed = await bus.dispatch(PlaceOrder(customer_id="c1", lines=(OrderLineRequest(sku="A", quantity=2),)))
    await bus.dispatch(CancelOrder(order_id=placed.aggregate_id, reason="no longer needed"))
    async with engine.connect() as connection:
        row = (await connection.execute(select(products).where(products.c.sku == "A"))).one()
    assert (row.on_hand, row.reserved) == (5, 0)


async def test_a_commands_token_spans_its_records_from_the_first_to_the_last(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    await stocked_product(bus, "A", 5)
    await stocked_product(bus, "B", 5)
    lines = (OrderLineRequest(sku="A", quantity=1), OrderLineRequest(sku="B", quantity=1))
    placed = await bus.dispatch(PlaceOrder(customer_id="c1", lines=lines))
    assert placed.consistency_token is not None
    token = ConsistencyToken.parse(placed.consistency_token)
    rows = await outbox_rows(engine)
    positions = [OutboxPosition(row.txid, row.sequence) for row in rows]
    assert positions == sorted(positions)
    placing = [OutboxPosition(row.txid, row.sequence) for row in rows[-3:]]
    assert (token.first, token.last) == (min(placing), max(placing)) == (placing[0], max(positions))
    assert {row.event_type for row in rows[-3:]} == {"OrderPlaced", "StockReserved"}
    assert token.partitions == frozenset(row.partition for row in rows[-3:])


async def test_racing_creates_with_one_idempotency_key_return_the_first_outcome(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    context = CommandContext(caller="tool-1", idempotency_key="create-sofa")
    outcomes = await asyncio.gather(*(bus.dispatch(sofa(), context) for _ in range(6)))
    assert len(set(outcomes)) == 1
    assert await count(engine, products) == 1
    assert await count(engine, outbox) == 1


async def test_a_duplicate_sku_is_refused_by_its_constraint_with_its_field(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    await bus.dispatch(sofa())
    with pytest.raises(Duplicate) as refused:
        await bus.dispatch(sofa(name="Another"), CommandContext(caller="tool-1", idempotency_key="other"))
    assert refused.value.problems[0].field == "sku"
    again = await bus.dispatch(sofa("SOFA-2"), CommandContext(caller="tool-1", idempotency_key="other"))
    assert again.version == 1
    assert await count(engine, outbox) == 2


@pytest.mark.postgres
async def test_a_command_on_a_connection_the_server_closed_runs_again(
    bus: MessageBus, engine: AsyncEngine, database_url: str
) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite has no server to close a connection")
    await bus.dispatch(sofa("BEFORE"))  # leaves an idle connection in the pool
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    outcome = await bus.dispatch(sofa("AFTER"))
    assert outcome.version == 1
    assert await count(engine, products) == 2


async def test_reading_for_projection_gives_each_transactions_state_without_payloads_or_times(
    bus: MessageBus, engine: AsyncEngine
) -> None:
    created = await bus.dispatch(sofa("SOFA-P", description="Blue; soft \u2013 and \u00fcnicode"))
    await bus.dispatch(ChangeProductPrice(product_id=created.aggregate_id, expected_version=None,
                                          price_amount="12.00", price_currency="EUR"))  # fmt: skip
    async with engine.connect() as connection:
        full = await outbox_reading.read_after(connection, START, 100)
        projected = await outbox_reading.read_after(connection, START, 100, for_projection=True)
    with_state = [record for record in full if record.state is not None]
    assert [r.position for r in projected] == [r.position for r in with_state]
    assert [r.state for r in projected] == [r.state for r in with_state]
    assert [r.event_type for r in projected] == [r.event_type for r in with_state]
    assert all(record.payload == {} for record in projected)
    assert all(record.payload for record in full)
    assert all(record.occurred_at is None for record in projected)
    assert all(record.occurred_at is not None and record.occurred_at.tzinfo is not None for record in full)
    assert [r.state_size for r in projected] == [len(json.dumps(r.state, separators=(",", ":"), ensure_ascii=False))
                                                 for r in with_state]  # fmt: skip
