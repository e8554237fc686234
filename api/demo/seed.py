"""Writes the demo catalog through the domain's commands on the message bus, as any client's commands are.

Every command carries an idempotency key named after its demo item (`demo:product:42`, `demo:stock:42` and
`demo:stock:42:1`, … for its further variants, `demo:order:3`, `demo:pay:3`, `demo:ship:3`) under one caller,
so a second run finds each outcome stored and adds nothing. Products go through `CONCURRENCY` commands in
flight: the SQLite writer commits them in groups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.consistency import ConsistencyGate, NotYetConsistent
from api.demo.assortment import stock_levels
from api.demo.catalog_data import SEED, product
from api.demo.orders_data import DemoOrder, orders
from domain.bus import CommandContext, MessageBus
from domain.model.commands import Command, PayOrder, PlaceOrder, ReceiveStock, ShipOrder
from domain.model.errors import DomainError
from domain.outbox import OutboxPosition
from domain.storage.tables import outbox

CALLER = "catalog-demo"
SKU_PREFIX = "DEMO"
DEFAULT_PRODUCTS = 3_000
CONCURRENCY = 16

Advance = Callable[[int], object]
Dispatch = Callable[[Command, str], Awaitable[str]]


@dataclass
class SeedResult:
    """How far the index must get to show everything seeded (`token`), and what a run could not write: a demo
    item the domain refuses (a sku taken by another product, an idempotency key whose command has changed since
    an earlier version seeded it, stock sold since) is counted, with the first reason, and the demo goes on."""

    token: OutboxPosition | None = None
    refused: int = 0
    first_refusal: str | None = None

    def note(self, token: str | None) -> None:
        if token is not None:
            position = OutboxPosition.parse_token(token)
            self.token = position if self.token is None else max(self.token, position)

    def refuse(self, item: str, error: DomainError) -> None:
        self.refused += 1
        if self.first_refusal is None:
            self.first_refusal = f"{item}: {error}"


async def seed_demo(bus: MessageBus, product_count: int, advance: Advance = lambda _: None) -> SeedResult:
    """Products with their stock, then the customers' orders; `advance(n)` reports n more items done (one per
    product, one per order)."""
    result = SeedResult()

    async def dispatch(command: Command, key: str) -> str:
        outcome = await bus.dispatch(command, CommandContext(CALLER, key))
        result.note(outcome.consistency_token)
        return outcome.aggregate_id

    async def seed_products(indices: Iterator[int]) -> None:
        for index in indices:  # shared by every task: each index is taken once
            created = product(index, sku_prefix=SKU_PREFIX)
            try:
                await dispatch(created, f"demo:product:{index}")
                for number, (sku, units) in enumerate(stock_levels(index, created, seed=SEED)):
                    key = f"demo:stock:{index}" if number == 0 else f"demo:stock:{index}:{number}"
                    if units:
                        await dispatch(ReceiveStock(sku=sku, quantity=units), key)
            except DomainError as error:
                result.refuse(f"product {created.sku}", error)
            advance(1)

    indices = iter(range(product_count))
    async with asyncio.TaskGroup() as group:  # an unexpected error stops every task, not just its own
        for _ in range(CONCURRENCY):
            group.create_task(seed_products(indices))
    for order in orders(product_count, SKU_PREFIX):
        try:
            await _seed_order(order, dispatch)
        except DomainError as error:
            result.refuse(f"order {order.number}", error)
        advance(1)
    return result


async def _seed_order(order: DemoOrder, dispatch: Dispatch) -> None:
    place = PlaceOrder(customer_id=order.customer_id, lines=order.lines)
    order_id = await dispatch(place, f"demo:order:{order.number}")
    if order.paid:
        pay = PayOrder(order_id=order_id, amount=order.total, currency=order.currency)
        await dispatch(pay, f"demo:pay:{order.number}")
    if order.shipped:
        await dispatch(ShipOrder(order_id=order_id), f"demo:ship:{order.number}")


def item_count(product_count: int) -> int:
    """What `seed_demo` reports progress over: the products and the orders."""
    return product_count + len(orders(product_count, SKU_PREFIX))


async def outbox_events(engine: AsyncEngine) -> int:
    """Events in the write model's outbox: zero means an empty database."""
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(outbox))).scalar_one())


async def wait_until_indexed(consistency: ConsistencyGate, token: OutboxPosition | None) -> None:
    """Returns once searches show everything up to `token` (the sync worker must be running somewhere)."""
    while token is not None:
        try:
            await consistency.wait(token.token(), search=True)
        except NotYetConsistent:
            continue
        return
