"""Order: a customer's purchase, and its life from placement to shipping or cancellation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.model import input_limits
from domain.model.aggregate import Aggregate
from domain.model.catalog import Product, check_sku
from domain.model.commands import OrderLineRequest, PlaceOrder
from domain.model.errors import Forbidden, InvalidState, NotFound
from domain.model.events import ORDER, OrderCancelled, OrderEvent, OrderPaid, OrderPlaced, OrderShipped
from domain.model.json_data import as_json_data
from domain.model.money import Money
from domain.model.validation import Checks


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    product_id: str
    product_name: str
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


def check_order_lines(command: PlaceOrder) -> tuple[str, list[OrderLineRequest]]:
    """Validates the shape of an order before anything is loaded: customer, line count, skus, quantities."""
    checks = Checks()
    customer_id = checks.text("customerId", command.customer_id, max_length=input_limits.ID_MAX) or ""
    checks.count("lines", command.lines, minimum=1, maximum=input_limits.ORDER_LINES_MAX)
    seen: dict[str, int] = {}
    lines = []
    for i, line in enumerate(command.lines):
        sku = check_sku(checks, f"lines.{i}.sku", line.sku)
        checks.integer(f"lines.{i}.quantity", line.quantity, minimum=1, maximum=input_limits.ORDER_LINE_QUANTITY_MAX)
        if sku in seen:
            checks.fail(f"lines.{i}.sku", f"repeats the sku of line {seen[sku]}; combine them into one line")
        seen[sku] = i
        lines.append(OrderLineRequest(sku=sku, quantity=line.quantity))
    checks.raise_if_any()
    return customer_id, lines


class Order(Aggregate):
    aggregate_type = ORDER

    def __init__(
        self,
        *,
        id: str,
        customer_id: str,
        status: OrderStatus,
        lines: tuple[OrderLine, ...],
        version: int,
        placed_at: datetime,
        updated_at: datetime,
    ) -> None:
        super().__init__(version)
        self.id = id
        self.customer_id = customer_id
        self.status = status
        self.lines = lines
        self.placed_at = placed_at
        self.updated_at = updated_at

    @property
    def key(self) -> str:
        return self.id

    @property
    def total(self) -> Money:
        total = Money(self.lines[0].unit_price.amount * 0, self.lines[0].unit_price.currency)
        for line in self.lines:
            total = total.plus(line.total)
        return total

    @classmethod
    def place(
        cls, customer_id: str, requests: list[OrderLineRequest], products: dict[str, Product], now: datetime
    ) -> Order:
        """Reserves every line's stock on its product, or refuses the whole order (the caller rolls back)."""
        order_id = str(uuid.uuid4())
        lines = []
        for i, request in enumerate(requests):
            product = products.get(request.sku)
            if product is None:
                raise NotFound(f"no product with sku {request.sku}", f"lines.{i}.sku")
            product.reserve(order_id, request.quantity, f"lines.{i}", now)
            lines.append(OrderLine(request.sku, product.id, product.details.name, request.quantity, product.price))
        currencies = {line.unit_price.currency for line in lines}
        if len(currencies) > 1:
            raise InvalidState(f"lines are priced in several currencies ({', '.join(sorted(currencies))})", "lines")
        order = cls(
            id=order_id,
            customer_id=customer_id,
            status=OrderStatus.PLACED,
            lines=tuple(lines),
            version=0,
            placed_at=now,
            updated_at=now,
        )
        order._record_at(
            now, OrderPlaced(order_id=order_id, occurred_at=now, customer_id=customer_id, total=order.total)
        )
        return order

    def check_customer(self, customer_id: str | None) -> None:
        """A customer acting for itself may touch only its own orders; staff (None) may touch any."""
        if customer_id is not None and customer_id != self.customer_id:
            raise Forbidden("this order belongs to another customer", "orderId")

    def pay(self, amount: Money, now: datetime) -> None:
        self._require_status(OrderStatus.PLACED, "paid")
        if amount != self.total:
            raise InvalidState(
                f"the payment of {amount.amount} {amount.currency} does not equal the order total "
                f"of {self.total.amount} {self.total.currency}",
                "amount",
            )
        self.status = OrderStatus.PAID
        self._record_at(now, OrderPaid(order_id=self.id, occurred_at=now, amount=amount))

    def ship(self, now: datetime) -> None:
        self._require_status(OrderStatus.PAID, "shipped")
        self.status = OrderStatus.SHIPPED
        self._record_at(now, OrderShipped(order_id=self.id, occurred_at=now))

    def cancel(self, reason: str | None, now: datetime) -> None:
        if self.status not in (OrderStatus.PLACED, OrderStatus.PAID):
            raise InvalidState(f"a {self.status.value.lower()} order cannot be cancelled")
        self.status = OrderStatus.CANCELLED
        self._record_at(now, OrderCancelled(order_id=self.id, occurred_at=now, reason=reason))

    def _require_status(self, required: OrderStatus, action: str) -> None:
        if self.status is not required:
            raise InvalidState(f"a {self.status.value.lower()} order cannot be {action}")

    def _record_at(self, now: datetime, event: OrderEvent) -> None:
        self.updated_at = now
        self.record(event)

    def state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "status": self.status.value,
            "lines": [{**as_json_data(line), "line_total": line.total.as_dict()} for line in self.lines],
            "total": self.total.as_dict(),
            "version": self.version,
            "placed_at": as_json_data(self.placed_at),
            "updated_at": as_json_data(self.updated_at),
        }
