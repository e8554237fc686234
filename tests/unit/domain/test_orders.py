from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.model.catalog import Product
from domain.model.commands import PriceRequest, VariantRequest
from domain.model.errors import InsufficientStock, InvalidState, NotFound, ValidationFailed
from domain.model.events import OrderCancelled, OrderPaid, OrderPlaced, StockReleased, StockShipped
from domain.model.inventory import StockItem, StockReceipt
from domain.model.money import Money
from domain.model.order_lines import OrderLine, OrderRequest, RequestedLine
from domain.model.orders import Order, OrderStatus, cancellation_reason, unknown_order
from domain.model.snapshots import OrderLineSnapshot
from tests.unit.domain.test_products import create

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def stocked(sku: str, price: str, quantity: int, currency: str = "EUR") -> Product:
    product = create(sku=sku, price_amount=price, price_currency=currency)
    product.receive_stock(StockReceipt(sku, quantity), NOW)
    return product


def place(products: dict[str, Product], *lines: tuple[str, int]) -> Order:
    return Order.place(OrderRequest.checked("customer-1", lines), products, NOW)


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
    with pytest.raises(ValidationFailed) as refused:
        OrderRequest.checked("c", lines)
    assert field in {problem.field for problem in refused.value.problems}


def test_an_order_request_trims_its_customer_and_skus() -> None:
    request = OrderRequest.checked(" c-1 ", [(" A ", 2)])
    assert request == OrderRequest("c-1", (RequestedLine("A", 2),))


def test_payment_must_equal_the_total() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 2))
    with pytest.raises(InvalidState) as refused:
        order.pay(Money(Decimal("19.99"), "EUR"), None, NOW)
    assert refused.value.problems[0].field == "amount"
    order.pay(Money(Decimal("20.00"), "EUR"), None, NOW)
    assert order.status is OrderStatus.PAID
    assert isinstance(order.pending_events[-1], OrderPaid)


def test_only_a_paid_order_ships() -> None:
    products = {"A": stocked("A", "10.00", 5)}
    order = place(products, ("A", 1))
    with pytest.raises(InvalidState):
        order.ship(products, NOW)


def test_shipping_an_order_ships_each_lines_reservation_from_its_product() -> None:
    products = {"A": stocked("A", "10.00", 5), "B": stocked("B", "1.00", 5)}
    order = place(products, ("A", 2), ("B", 3))
    order.pay(order.total, None, NOW)
    order.ship(products, NOW)
    assert (products["A"].stock, products["B"].stock) == (StockItem(3, 0), StockItem(2, 0))
    assert isinstance(products["B"].pending_events[-1], StockShipped)


def test_cancelling_releases_each_lines_reservation_and_records_the_reason() -> None:
    products = {"A": stocked("A", "10.00", 5), "B": stocked("B", "1.00", 5)}
    order = place(products, ("A", 2), ("B", 3))
    order.cancel("changed my mind", None, products, NOW)
    event = order.pending_events[-1]
    assert isinstance(event, OrderCancelled)
    assert event.reason == "changed my mind"
    assert (products["A"].stock, products["B"].stock) == (StockItem(5, 0), StockItem(5, 0))
    assert isinstance(products["A"].pending_events[-1], StockReleased)


def test_a_shipped_order_cannot_be_cancelled() -> None:
    products = {"A": stocked("A", "10.00", 5)}
    order = place(products, ("A", 1))
    order.pay(order.total, None, NOW)
    order.ship(products, NOW)
    with pytest.raises(InvalidState):
        order.cancel("changed my mind", None, products, NOW)


def test_a_customer_may_pay_and_cancel_only_its_own_orders() -> None:
    products = {"A": stocked("A", "10.00", 5)}
    order = place(products, ("A", 1))
    with pytest.raises(NotFound) as paying:
        order.pay(order.total, "customer-2", NOW)
    with pytest.raises(NotFound) as cancelling:
        order.cancel(None, "customer-2", products, NOW)
    assert paying.value.problems == cancelling.value.problems == unknown_order(order.id).problems
    order.pay(order.total, "customer-1", NOW)
    order.cancel(None, "customer-1", products, NOW)
    assert order.status is OrderStatus.CANCELLED


def test_a_cancellation_reason_is_trimmed_and_an_empty_one_is_none() -> None:
    assert cancellation_reason("  moved house ") == "moved house"
    assert cancellation_reason(" ") is None
    with pytest.raises(ValidationFailed):
        cancellation_reason("r" * 501)


def test_the_order_snapshot_carries_each_lines_total_and_the_order_total() -> None:
    order = place({"A": stocked("A", "10.00", 5), "B": stocked("B", "2.50", 5)}, ("A", 2), ("B", 1))
    snapshot = order.snapshot()
    assert [(line["sku"], line["line_total"]["amount"]) for line in snapshot["lines"]] == [
        ("A", "20.00"),
        ("B", "2.50"),
    ]
    assert snapshot["total"] == {"amount": "22.50", "currency": "EUR"}
    assert (snapshot["status"], snapshot["placed_at"]) == ("PLACED", "2026-01-01T00:00:00+00:00")


def test_an_order_line_restored_from_its_snapshot_is_the_same_line() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 3))
    [line] = order.lines
    assert OrderLine.from_snapshot(line.snapshot()) == line


def test_the_placed_event_records_the_lines_as_placed() -> None:
    order = place({"A": stocked("A", "10.00", 5)}, ("A", 2))
    placed = order.pending_events[0]
    assert isinstance(placed, OrderPlaced)
    assert (placed.lines, placed.total) == (order.lines, Money(Decimal("20.00"), "EUR"))


def test_a_line_placed_before_products_had_variants_names_the_product_and_no_options() -> None:
    placed_before: OrderLineSnapshot = {
        "sku": "A",
        "product_id": "p-1",
        "product_name": "Oak chair",
        "quantity": 2,
        "unit_price": {"amount": "10.00", "currency": "EUR"},
        "line_total": {"amount": "20.00", "currency": "EUR"},
    }
    line = OrderLine.from_snapshot(placed_before)
    assert (line.variant_name, line.options) == ("Oak chair", ())
    assert line.snapshot() == {**placed_before, "variant_name": "Oak chair", "options": []}


def test_a_line_records_the_variant_its_sku_names_with_its_name_options_and_price() -> None:
    product = create(
        sku="SHIRT",
        name="Linen shirt",
        price_amount="49.00",
        variants=(
            VariantRequest(sku="SHIRT-M", options=(("size", "M"), ("colour", "sand"))),
            VariantRequest(
                sku="SHIRT-L",
                options=(("size", "L"), ("colour", "sand")),
                price=PriceRequest(amount="59.00", currency="EUR"),
            ),
        ),
    )
    product.receive_stock(StockReceipt("SHIRT-L", 3), NOW)
    order = place({"SHIRT-L": product}, ("SHIRT-L", 2))
    [line] = order.lines
    assert (line.sku, line.product_name, line.variant_name) == ("SHIRT-L", "Linen shirt", "Linen shirt / L / sand")
    assert (line.options, line.unit_price) == ((("size", "L"), ("colour", "sand")), Money(Decimal("59.00"), "EUR"))
    assert product.stock_of("SHIRT-L") == StockItem(3, 2)
