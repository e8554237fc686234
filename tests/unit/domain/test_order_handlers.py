"""The order handlers on the in-memory unit of work: stock reserved, shipped or released on every line's product,
and each refusal's code and field."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.commands import CancelOrder, DiscontinueProduct, OrderLineRequest, PayOrder, PlaceOrder, ShipOrder
from tests.unit.domain.scenario import Scenario


def place(*lines: tuple[str, int], customer: str = "c-1") -> PlaceOrder:
    return PlaceOrder(customer_id=customer, lines=tuple(OrderLineRequest(sku=s, quantity=q) for s, q in lines))


async def two_products() -> Scenario:
    scenario = Scenario()
    await scenario.product("A-1", price="10.00", stock=5)
    await scenario.product("B-1", price="2.50", stock=5)
    return scenario


async def test_place_order_reserves_every_lines_stock_and_stores_the_order() -> None:
    scenario = await two_products()
    outcome = await scenario.order(("A-1", 2), ("B-1", 4))
    order = scenario.store.orders[outcome.aggregate_id]
    assert (str(order.total.amount), order.total.currency) == ("30.00", "EUR")
    assert (scenario.stock("A-1"), scenario.stock("B-1")) == ((5, 2), (5, 4))
    assert sorted(scenario.store.events()[-3:]) == ["OrderPlaced", "StockReserved", "StockReserved"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (place(), [("VALIDATION", "lines")]),
        (place(("A-1", 1), ("A-1", 2)), [("VALIDATION", "lines.1.sku")]),
        (place(("A-1", 0)), [("VALIDATION", "lines.0.quantity")]),
        (place(("A-1", 1), customer=" "), [("VALIDATION", "customerId")]),
        (place(("A-1", 1), ("NOPE", 1)), [("NOT_FOUND", "lines.1.sku")]),
        (place(("A-1", 1), ("B-1", 6)), [("INSUFFICIENT_STOCK", "lines.1.quantity")]),
    ],
)
async def test_place_order_refuses_with_the_offending_line(
    command: PlaceOrder, expected: list[tuple[str, str | None]]
) -> None:
    scenario = await two_products()
    assert await scenario.refusal(command) == expected


async def test_place_order_refuses_when_any_line_lacks_stock_and_reserves_nothing() -> None:
    scenario = await two_products()
    await scenario.refusal(place(("A-1", 5), ("B-1", 6)))
    assert (scenario.stock("A-1"), scenario.stock("B-1")) == ((5, 0), (5, 0))


async def test_place_order_refuses_a_discontinued_product_naming_its_line() -> None:
    scenario = await two_products()
    product = scenario.store.product_by_sku("B-1")
    assert product is not None
    await scenario.run(DiscontinueProduct(product_id=product.id))
    assert await scenario.refusal(place(("A-1", 1), ("B-1", 1))) == [("INVALID_STATE", "lines.1")]


async def test_place_order_refuses_lines_priced_in_several_currencies() -> None:
    scenario = await two_products()
    await scenario.product("C-1", currency="USD")
    assert await scenario.refusal(place(("A-1", 1), ("C-1", 1))) == [("INVALID_STATE", "lines")]


async def test_pay_order_accepts_exactly_the_total() -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 2))
    outcome = await scenario.run(PayOrder(order_id=placed.aggregate_id, amount="20", currency="eur"))
    assert outcome.version == 2
    assert scenario.store.orders[placed.aggregate_id].status.value == "PAID"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (PayOrder(order_id="{id}", amount="19.99", currency="EUR"), [("INVALID_STATE", "amount")]),
        (PayOrder(order_id="{id}", amount="ten", currency="EUR"), [("VALIDATION", "amount.amount")]),
        (PayOrder(order_id="{id}", amount="20", currency="EURO"), [("VALIDATION", "amount.currency")]),
        (PayOrder(order_id="nope", amount="20", currency="EUR"), [("NOT_FOUND", "orderId")]),
        (PayOrder(order_id="nope", amount="ten", currency="EUR"), [("VALIDATION", "amount.amount")]),
        (
            PayOrder(order_id="{id}", amount="20", currency="EUR", on_behalf_of_customer="c-2"),
            [("NOT_FOUND", "orderId")],
        ),
        (
            PayOrder(order_id="{id}", amount="1", currency="EUR", on_behalf_of_customer="c-2"),
            [("NOT_FOUND", "orderId")],
        ),
    ],
)
async def test_pay_order_refuses_with_its_code_and_field(
    command: PayOrder, expected: list[tuple[str, str | None]]
) -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 2))
    if command.order_id == "{id}":
        command = dataclasses.replace(command, order_id=placed.aggregate_id)
    assert await scenario.refusal(command) == expected


async def test_ship_order_ships_the_stock_of_every_line_on_its_product() -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 2), ("B-1", 1))
    await scenario.run(PayOrder(order_id=placed.aggregate_id, amount="22.50", currency="EUR"))
    outcome = await scenario.run(ShipOrder(order_id=placed.aggregate_id))
    assert outcome.version == 3
    assert (scenario.stock("A-1"), scenario.stock("B-1")) == ((3, 0), (4, 0))
    assert scenario.store.events()[-3:] == ["OrderShipped", "StockShipped", "StockShipped"]


async def test_ship_order_refuses_an_unpaid_order_and_ships_nothing() -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 2))
    assert await scenario.refusal(ShipOrder(order_id=placed.aggregate_id)) == [("INVALID_STATE", None)]
    assert scenario.stock("A-1") == (5, 2)


async def test_ship_order_refuses_an_unknown_order() -> None:
    assert await (await two_products()).refusal(ShipOrder(order_id="nope")) == [("NOT_FOUND", "orderId")]


async def test_cancel_order_releases_the_stock_of_every_line_on_its_product() -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 2), ("B-1", 3))
    outcome = await scenario.run(CancelOrder(order_id=placed.aggregate_id, reason="changed my mind"))
    assert outcome.version == 2
    assert (scenario.stock("A-1"), scenario.stock("B-1")) == ((5, 0), (5, 0))
    assert scenario.store.events()[-3:] == ["OrderCancelled", "StockReleased", "StockReleased"]


async def test_a_paid_order_may_be_cancelled_by_its_customer() -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 1))
    await scenario.run(PayOrder(order_id=placed.aggregate_id, amount="10", currency="EUR"))
    await scenario.run(CancelOrder(order_id=placed.aggregate_id, on_behalf_of_customer="c-1"))
    assert scenario.stock("A-1") == (5, 0)


async def test_cancel_order_refuses_a_shipped_order_and_releases_nothing() -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 1))
    await scenario.run(PayOrder(order_id=placed.aggregate_id, amount="10", currency="EUR"))
    await scenario.run(ShipOrder(order_id=placed.aggregate_id))
    assert await scenario.refusal(CancelOrder(order_id=placed.aggregate_id)) == [("INVALID_STATE", None)]
    assert scenario.stock("A-1") == (4, 0)


@pytest.mark.parametrize(
    ("order_id", "reason", "customer", "expected"),
    [
        ("{id}", None, "c-2", [("NOT_FOUND", "orderId")]),
        ("nope", None, None, [("NOT_FOUND", "orderId")]),
        ("{id}", "r" * 501, None, [("VALIDATION", "reason")]),
        ("nope", "r" * 501, None, [("VALIDATION", "reason")]),
    ],
)
async def test_cancel_order_refuses_with_its_code_and_field(
    order_id: str, reason: str | None, customer: str | None, expected: list[tuple[str, str | None]]
) -> None:
    scenario = await two_products()
    placed = await scenario.order(("A-1", 1))
    order_id = placed.aggregate_id if order_id == "{id}" else order_id
    command = CancelOrder(order_id=order_id, reason=reason, on_behalf_of_customer=customer)
    assert await scenario.refusal(command) == expected
    assert scenario.stock("A-1") == (5, 1)
