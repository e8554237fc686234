"""Order: a customer's purchase, and its life from placement to shipping or cancellation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from domain.model import input_limits
from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.errors import InvalidState, NotFound
from domain.model.events import ORDER, OrderCancelled, OrderEvent, OrderPaid, OrderPlaced, OrderShipped
from domain.model.money import Money
from domain.model.order_lines import OrderLine, OrderRequest
from domain.model.quoting import quoted
from domain.model.snapshots import OrderSnapshot
from domain.model.validation import Checks


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


def unknown_order(order_id: str) -> NotFound:
    """The refusal for an order id that names no order the caller may touch: the same words whether the order
    does not exist or belongs to another customer, so that no answer tells which."""
    return NotFound(f"no order with id {quoted(order_id)}", "orderId")


def cancellation_reason(reason: str | None) -> str | None:
    """The reason as recorded (trimmed; empty is no reason), checked before the order is loaded."""
    checks = Checks()
    clean_reason = checks.text("reason", reason, max_length=input_limits.REASON_MAX, required=False)
    checks.raise_if_any()
    return clean_reason


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

    @property
    def skus(self) -> list[str]:
        return [line.sku for line in self.lines]

    @classmethod
    def place(cls, request: OrderRequest, products: Mapping[str, Product], now: datetime) -> Order:
        """Reserves every line's stock on its product's variant (`products` by the lines' skus), or refuses the
        whole order (the caller rolls back)."""
        order_id = str(uuid.uuid4())
        customer_id = request.customer_id
        lines = []
        for i, request_line in enumerate(request.lines):
            sku, quantity = request_line.sku, request_line.quantity
            product = products.get(sku)
            if product is None:
                raise NotFound(f"no product with sku {quoted(sku)}", f"lines.{i}.sku")
            variant = product.reserve(sku, order_id, quantity, f"lines.{i}", now)
            name = product.details.name
            price = variant.price(product.price)
            lines.append(OrderLine(variant.sku, product.id, name, quantity, price, variant.name(name), variant.options))
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
            now,
            OrderPlaced(
                order_id=order_id, occurred_at=now, customer_id=customer_id, lines=order.lines, total=order.total
            ),
        )
        return order

    def pay(self, amount: Money, acting_customer: str | None, now: datetime) -> None:
        self._check_customer(acting_customer)
        self._require_status(OrderStatus.PLACED, "paid")
        if amount != self.total:
            raise InvalidState(
                f"the payment of {amount.amount} {amount.currency} does not equal the order total "
                f"of {self.total.amount} {self.total.currency}",
                "amount",
            )
        self.status = OrderStatus.PAID
        self._record_at(now, OrderPaid(order_id=self.id, occurred_at=now, amount=amount))

    def ship(self, products: Mapping[str, Product], now: datetime) -> None:
        """Ships every line's reserved stock from its variant (`products` by the lines' skus)."""
        self._require_status(OrderStatus.PAID, "shipped")
        self.status = OrderStatus.SHIPPED
        self._record_at(now, OrderShipped(order_id=self.id, occurred_at=now))
        for line in self.lines:
            products[line.sku].ship(line.sku, self.id, line.quantity, now)

    def cancel(
        self, reason: str | None, acting_customer: str | None, products: Mapping[str, Product], now: datetime
    ) -> None:
        """Releases every line's reservation on its variant (`products` by the lines' skus)."""
        self._check_customer(acting_customer)
        if self.status not in (OrderStatus.PLACED, OrderStatus.PAID):
            raise InvalidState(f"a {self.status.value.lower()} order cannot be cancelled")
        self.status = OrderStatus.CANCELLED
        self._record_at(now, OrderCancelled(order_id=self.id, occurred_at=now, reason=reason))
        for line in self.lines:
            products[line.sku].release(line.sku, self.id, line.quantity, now)

    def _check_customer(self, acting_customer: str | None) -> None:
        """A customer acting for itself may touch only its own orders; staff (None) may touch any. Another
        customer's order is refused as if it did not exist."""
        if acting_customer is not None and acting_customer != self.customer_id:
            raise unknown_order(self.id)

    def _require_status(self, required: OrderStatus, action: str) -> None:
        if self.status is not required:
            raise InvalidState(f"a {self.status.value.lower()} order cannot be {action}")

    def _record_at(self, now: datetime, event: OrderEvent) -> None:
        self.updated_at = now
        self.record(event)

    def snapshot(self) -> OrderSnapshot:
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "status": self.status.value,
            "lines": [line.snapshot() for line in self.lines],
            "total": self.total.snapshot(),
            "version": self.version,
            "placed_at": self.placed_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
