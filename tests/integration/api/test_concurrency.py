"""No oversell, ever: concurrent orders for scarce stock, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from domain.outbox import OutboxPosition
from domain.storage.tables import orders, products
from tests.integration.api.conftest import Api, stocked_product

pytestmark = pytest.mark.elasticsearch


async def test_fifty_concurrent_orders_for_ten_available_give_exactly_ten(api: Api) -> None:
    product_id = await stocked_product(api, quantity=10)
    order = {"customerId": "c", "lines": [{"sku": "OAK-1", "quantity": 1}]}
    results = await asyncio.gather(*(api.command("placeOrder", order) for _ in range(50)))

    succeeded = [result for result in results if result["ok"]]
    refused = [result for result in results if not result["ok"]]
    assert len(succeeded) == 10
    assert {(e["code"], e["field"]) for result in refused for e in result["errors"]} == {
        ("INSUFFICIENT_STOCK", "lines.0.quantity")
    }
    async with api.services.engine.connect() as connection:
        stock = (await connection.execute(select(products.c.on_hand, products.c.reserved))).one()
        placed = (await connection.execute(select(func.count()).select_from(orders))).scalar_one()
    assert (stock.on_hand, stock.reserved, placed) == (10, 10, 10)

    latest = max(succeeded, key=lambda result: OutboxPosition.parse_token(result["consistencyToken"]))
    read = await api.graphql(
        """query($id: ID!, $t: String) {
             product(id: $id, consistencyToken: $t) { stock { onHand reserved available } } }""",
        {"id": product_id, "t": latest["consistencyToken"]},
    )
    assert read["data"]["product"]["stock"] == {"onHand": 10, "reserved": 10, "available": 0}
