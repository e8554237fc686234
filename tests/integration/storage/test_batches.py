"""Batches of commands on SQLite and PostgreSQL: randomized batches write exactly their valid rows under
REJECT_FAILED_ROWS and nothing under REJECT_EVERYTHING; re-runs with the same keys write nothing twice; stock
received in batches while orders are placed concurrently adds up exactly (no oversell)."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.batches import BatchRow, ErrorPolicy
from domain.bus import CommandContext, MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import Command, CreateProduct, OrderLineRequest, PlaceOrder, ReceiveStock
from domain.model.errors import DomainError, InsufficientStock
from domain.outbox import ConsistencyToken, partition_of
from domain.ports import Outcome
from domain.storage.engine import is_sqlite
from domain.storage.tables import outbox, products
from domain.storage.unit_of_work import SqlUnitOfWorkFactory

EXAMPLES = 12


def make_bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    return MessageBus(SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url)), COMMAND_HANDLERS)


@dataclass(frozen=True)
class Spec:
    """A row as drawn: what it is and whether it must be refused."""

    kind: str  # "create", "bad-create", "receive", "bad-receive"
    slot: int


def row_specs() -> st.SearchStrategy[list[Spec]]:
    kinds = st.sampled_from(["create", "create", "bad-create", "receive", "bad-receive"])
    return st.lists(st.builds(Spec, kinds, st.integers(0, 5)), min_size=1, max_size=25)


def drawn_batches() -> list[list[Spec]]:
    """Examples drawn by hypothesis (deterministically), run afterwards on the test's event loop."""
    drawn: list[list[Spec]] = []

    @settings(
        max_examples=EXAMPLES,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(row_specs())
    def draw(specs: list[Spec]) -> None:
        drawn.append(specs)

    draw()
    return drawn


def commands_and_expectation(prefix: str, specs: list[Spec]) -> tuple[list[Command], list[bool], dict[str, int]]:
    """The rows' commands, which rows must succeed, and the stock each created sku must end with."""
    created: dict[str, int] = {}
    commands: list[Command] = []
    valid: list[bool] = []
    for spec in specs:
        sku = f"{prefix}-{spec.slot}"
        if spec.kind == "create":
            commands.append(CreateProduct(sku=sku, name=f"Chair {sku}", price_amount="10.00", price_currency="EUR"))
            valid.append(sku not in created)  # a second create of one sku is DUPLICATE
            created.setdefault(sku, 0)
        elif spec.kind == "bad-create":
            commands.append(CreateProduct(sku=sku, name="", price_amount="-1", price_currency="EUR"))
            valid.append(False)
        elif spec.kind == "receive":
            commands.append(ReceiveStock(sku=sku, quantity=spec.slot + 1))
            valid.append(sku in created)  # an unknown sku is NOT_FOUND
            if sku in created:
                created[sku] += spec.slot + 1
        else:
            commands.append(ReceiveStock(sku=sku, quantity=0))
            valid.append(False)
    return commands, valid, created


async def stock_by_sku(engine: AsyncEngine, prefix: str) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(products.c.sku, products.c.on_hand).where(products.c.sku.like(f"{prefix}-%"))
        )
        return {row.sku: row.on_hand for row in rows}


async def outbox_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(outbox))).scalar_one())


def batch_rows(commands: list[Command], key_prefix: str | None = None) -> list[BatchRow | DomainError]:
    return [
        MessageBus.row(command, CommandContext("importer", None if key_prefix is None else f"{key_prefix}-{i}"))
        for i, command in enumerate(commands)
    ]


async def test_reject_failed_rows_writes_exactly_the_valid_rows(engine: AsyncEngine, database_url: str) -> None:
    bus = make_bus(engine, database_url)
    for number, specs in enumerate(drawn_batches()):
        prefix = f"F{number}"
        commands, valid, expected_stock = commands_and_expectation(prefix, specs)
        answers = await bus.dispatch_rows(batch_rows(commands), ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=4)
        assert [isinstance(answer, Outcome) for answer in answers] == valid, specs
        assert all(isinstance(answer, DomainError) for answer, ok in zip(answers, valid, strict=True) if not ok)
        assert await stock_by_sku(engine, prefix) == expected_stock, specs


async def test_a_batch_writes_each_record_in_its_aggregates_partition_and_its_row_token_names_it(
    engine: AsyncEngine, database_url: str
) -> None:
    factory = SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url), partitions=4)
    bus = MessageBus(factory, COMMAND_HANDLERS)
    creates: list[Command] = [
        CreateProduct(sku=f"PART-{i}", name="Lamp", price_amount="5.00", price_currency="EUR") for i in range(8)
    ]
    answers = await bus.dispatch_rows(batch_rows(creates), ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=3)
    async with engine.connect() as connection:
        rows = list(await connection.execute(select(outbox.c.aggregate_id, outbox.c.partition)))
    assert all(row.partition == partition_of("product", row.aggregate_id, 4) for row in rows)
    assert len({row.partition for row in rows}) > 1
    for answer in answers:
        assert isinstance(answer, Outcome)
        assert answer.consistency_token is not None
        token = ConsistencyToken.parse(answer.consistency_token)
        assert token.partitions == frozenset({partition_of("product", answer.aggregate_id, 4)})


async def test_reject_everything_writes_nothing_unless_every_row_is_valid(
    engine: AsyncEngine, database_url: str
) -> None:
    bus = make_bus(engine, database_url)
    for number, specs in enumerate(drawn_batches()):
        prefix = f"E{number}"
        commands, valid, expected_stock = commands_and_expectation(prefix, specs)
        before = await outbox_count(engine)
        answers = await bus.dispatch_rows(batch_rows(commands), ErrorPolicy.REJECT_EVERYTHING)
        if all(valid):
            assert all(isinstance(answer, Outcome) for answer in answers)
            assert await stock_by_sku(engine, prefix) == expected_stock
        else:
            assert [answer is None for answer in answers] == valid, specs
            assert await stock_by_sku(engine, prefix) == {}
            assert await outbox_count(engine) == before


async def test_a_rerun_with_the_same_keys_answers_alike_and_writes_nothing(
    engine: AsyncEngine, database_url: str
) -> None:
    bus = make_bus(engine, database_url)
    for number, specs in enumerate(drawn_batches()[:4]):
        prefix = f"R{number}"
        commands, _, expected_stock = commands_and_expectation(prefix, specs)
        rows = batch_rows(commands, key_prefix=prefix)
        first = await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=3)
        written = await outbox_count(engine)
        again = await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=5)
        assert [a for a in again if isinstance(a, Outcome)] == [a for a in first if isinstance(a, Outcome)]
        assert await outbox_count(engine) == written
        assert await stock_by_sku(engine, prefix) == expected_stock


async def test_stock_received_in_batches_during_concurrent_orders_adds_up_without_oversell(
    engine: AsyncEngine, database_url: str
) -> None:
    bus = make_bus(engine, database_url)
    skus = ["OVS-1", "OVS-2"]
    for sku in skus:
        await bus.dispatch(CreateProduct(sku=sku, name=f"Chair {sku}", price_amount="5.00", price_currency="EUR"))
    receipts = [ReceiveStock(sku=skus[i % 2], quantity=1) for i in range(40)]
    orders = [
        PlaceOrder(customer_id=f"c-{i}", lines=(OrderLineRequest(sku=skus[i % 2], quantity=1 + i % 3),))
        for i in range(60)
    ]

    async def receive(chunk: list[Command]) -> list[Any]:
        return await bus.dispatch_rows(batch_rows(chunk), ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=5)

    async def place(order: PlaceOrder) -> int:
        try:
            await bus.dispatch(order)
        except InsufficientStock:
            return 0
        return order.lines[0].quantity if order.lines[0].sku == skus[0] else -order.lines[0].quantity

    batches = [receive(list(receipts[start : start + 10])) for start in range(0, len(receipts), 10)]
    results = await asyncio.gather(*batches, *(place(order) for order in orders))
    received = list(itertools.chain.from_iterable(results[: len(batches)]))
    assert all(isinstance(answer, Outcome) for answer in received)
    reserved = {skus[0]: sum(q for q in results[len(batches) :] if q > 0), skus[1]: -sum(
        q for q in results[len(batches) :] if q < 0)}  # fmt: skip
    async with engine.connect() as connection:
        query = select(products.c.sku, products.c.on_hand, products.c.reserved).where(products.c.sku.in_(skus))
        stock = {row.sku: (row.on_hand, row.reserved) for row in await connection.execute(query)}
    assert stock == {sku: (20, reserved[sku]) for sku in skus}
