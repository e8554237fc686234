from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.model.catalog import Product
from domain.model.commands import OrderLineRequest, PlaceOrder
from domain.model.errors import Forbidden, InsufficientStock, InvalidState, NotFound, ValidationFailed
from domain.model.events import OrderCancelled, OrderPaid, OrderPlaced
from domain.model.money import Money
from domain.model.orders import Order, OrderStatus, check_order_lines
from tests.unit.domain.test_products import create

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def stocked(sku: str, price: str, quantity: int, currency: str = "EUR") -> Product:
    product = create(sku=sku, price_amount=price, price_currency=currency)
    product.receive_stock(quantity, NOW)
    return product


def place(products: dict[str, Product], *lines: tuple[str, int]) -> Order:
    requests = [OrderLineRequest(sku=sku, quantity=quantity) for sku, quantity in lines]
    return Order.place("customer-1", requests, products, NOW)


def test_placing_an_order_takes_prices_from_the_products_and_reserves_stock() -> None:
    products = {"A": stocked("A", "10.00", 5), "B": stocked("B", "2.50", 5)}
    order = place(products, ("A", 2), ("B", 4))
    assert order.total == Money(Decimal("30.00"), "EUR")
    assert products["A"].stock.reserved == 2
    assert isinstance(order.pending_events[0], OrderPlaced)


def test_an_unknown_sku_refuses_the_order_naming_the_line() -> None:
    with pytest.raises(NotFound) as refused:
        place({"A": stocked("A", "10.00", 5)}, ("A", 1), ("B", 1))
    assert refused.value.problems[0].field == "lines.1.sku"


def test_any_line_lacking_stock_refuses_the_whole_order() -> None:
    with pytest.raises(InsufficientStock) as refused:
        place({"A": stocked("A", "10.00", 5), "B": stocked("B", "1.00", 1)}, ("A", 1), ("B", 2))
    assert refused.value.problems[0].field == "lines.1.quantity"


def test_lines_in_different_currencies_are_refused() -> None:
    with pytest.raises(InvalidState):
        place({"A": stocked("A", "10.00", 5), "B": stocked("B", "1.00", 5, "USD")}, ("A", 1), ("B", 1))


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ((), "lines"),
        ((("A", 0),), "lines.0.quantity"),
        ((("A", 1), ("A", 2)), "lines.1.sku"),
        ((("", 1),), "lines.0.sku"),
    ],
)
def test_order_shape_is_checked_before_anything_is_loaded(lines: tuple[tuple[str, int], ...], field: str) -> None:
    command = PlaceOrder(customer_id="c", lines=tuple(OrderLineRequest(sku=s, quantity=q) for s, q in lines))
    with pytest.raises(ValidationFailed) as refused:
        check_order_lines(command)
    assert field in {problem.field for problem in refused.value.problems}


def test_payment_must_equal_the_total() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 2))
    with pytest.raises(InvalidState) as refused:
        order.pay(Money(Decimal("19.99"), "EUR"), NOW)
    assert refused.value.problems[0].field == "amount"
    order.pay(Money(Decimal("20.00"), "EUR"), NOW)
    assert order.status is OrderStatus.PAID
    assert isinstance(order.pending_events[-1], OrderPaid)


def test_only_a_paid_order_ships() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 1))
    with pytest.raises(InvalidState):
        order.ship(NOW)


def test_a_shipped_order_cannot_be_cancelled() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 1))
    order.pay(order.total, NOW)
    order.ship(NOW)
    with pytest.raises(InvalidState):
        order.cancel("changed my mind", NOW)


def test_cancelling_records_the_reason() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 1))
    order.cancel("changed my mind", NOW)
    event = order.pending_events[-1]
    assert isinstance(event, OrderCancelled)
    assert event.reason == "changed my mind"


def test_a_customer_may_act_only_on_its_own_orders() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 1))
    order.check_customer("customer-1")
    order.check_customer(None)
    with pytest.raises(Forbidden):
        order.check_customer("customer-2")
