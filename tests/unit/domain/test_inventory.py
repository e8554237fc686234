from datetime import UTC, datetime

import pytest

from domain.model.catalog import Product
from domain.model.errors import ErrorCode, InsufficientStock, InvalidState, ValidationFailed
from domain.model.events import StockAdjusted, StockReceived, StockReserved
from domain.model.input_limits import ON_HAND_MAX
from domain.model.inventory import StockAdjustment, StockItem, StockReceipt
from tests.unit.domain.test_products import create

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_available_is_on_hand_minus_reserved() -> None:
    assert StockItem(on_hand=10, reserved=3).available == 7


def test_receiving_stock_raises_on_hand() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 8), NOW)
    assert product.stock == StockItem(8, 0)
    assert isinstance(product.pending_events[-1], StockReceived)


def test_adjusting_stock_below_what_is_reserved_is_refused() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    product.reserve(product.sku, "order-1", 4, "lines.0", NOW)
    with pytest.raises(InvalidState) as refused:
        product.adjust_stock(StockAdjustment(product.sku, -2, "damaged"), NOW)
    assert refused.value.problems[0].field == "delta"
    assert product.stock == StockItem(5, 4)


def test_adjusting_stock_records_the_reason() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    product.adjust_stock(StockAdjustment(product.sku, -1, "damaged in transit"), NOW)
    event = product.pending_events[-1]
    assert isinstance(event, StockAdjusted)
    assert (event.delta, event.reason) == (-1, "damaged in transit")


def test_reserving_more_than_available_names_the_line() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 2), NOW)
    with pytest.raises(InsufficientStock) as refused:
        product.reserve(product.sku, "order-1", 3, "lines.1", NOW)
    assert refused.value.problems[0].field == "lines.1.quantity"


def test_reserving_a_discontinued_product_is_refused() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 2), NOW)
    product.discontinue(None, NOW)
    with pytest.raises(InvalidState):
        product.reserve(product.sku, "order-1", 1, "lines.0", NOW)


def test_shipping_removes_the_reservation_from_on_hand() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    product.reserve(product.sku, "order-1", 2, "lines.0", NOW)
    assert isinstance(product.pending_events[-1], StockReserved)
    product.ship(product.sku, "order-1", 2, NOW)
    assert product.stock == StockItem(3, 0)


def test_releasing_returns_the_reservation() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    product.reserve(product.sku, "order-1", 2, "lines.0", NOW)
    product.release(product.sku, "order-1", 2, NOW)
    assert product.stock == StockItem(5, 0)


def test_a_receipt_is_checked_into_a_trimmed_sku_and_a_positive_quantity() -> None:
    assert StockReceipt.checked(" SOFA-1 ", 3) == StockReceipt("SOFA-1", 3)


def test_a_receipt_reports_its_sku_and_quantity_problems_together() -> None:
    with pytest.raises(ValidationFailed) as refused:
        StockReceipt.checked("has space", 0)
    assert [problem.field for problem in refused.value.problems] == ["sku", "quantity"]


@pytest.mark.parametrize(
    ("delta", "reason", "fields"),
    [(0, "count", ["delta"]), (1_000_001, "count", ["delta"]), (1, " ", ["reason"]), (0, "", ["delta", "reason"])],
)
def test_an_adjustment_needs_a_non_zero_delta_within_limits_and_a_reason(
    delta: int, reason: str, fields: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        StockAdjustment.checked("SOFA-1", delta, reason)
    assert [problem.field for problem in refused.value.problems] == fields


def stocked_to(on_hand: int) -> Product:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 1), NOW)
    product.adjust_stock(StockAdjustment(product.sku, on_hand - 1, "counted"), NOW)  # past QUANTITY_MAX: not checked
    return product


def test_receiving_stock_past_the_most_a_product_may_hold_is_refused_on_the_quantity() -> None:
    product = stocked_to(ON_HAND_MAX - 5)
    with pytest.raises(ValidationFailed) as refused:
        product.receive_stock(StockReceipt(product.sku, 6), NOW)
    assert [(p.code, p.field) for p in refused.value.problems] == [(ErrorCode.VALIDATION, "quantity")]
    assert product.stock == StockItem(ON_HAND_MAX - 5, 0)
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    assert product.stock.on_hand == ON_HAND_MAX


def test_adjusting_stock_past_the_most_a_product_may_hold_is_refused_on_the_delta() -> None:
    product = stocked_to(ON_HAND_MAX)
    with pytest.raises(ValidationFailed) as refused:
        product.adjust_stock(StockAdjustment(product.sku, 1, "found one"), NOW)
    assert [(p.code, p.field) for p in refused.value.problems] == [(ErrorCode.VALIDATION, "delta")]
    product.adjust_stock(StockAdjustment(product.sku, -1, "lost one"), NOW)
    assert product.stock.on_hand == ON_HAND_MAX - 1


def test_the_bound_keeps_every_stock_figure_a_32_bit_integer() -> None:
    assert ON_HAND_MAX < 2**31 - 1
