"""An order's lines: what a customer asks for (checked before anything is loaded) and what was placed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.model import input_limits
from domain.model.money import Money
from domain.model.skus import check_sku
from domain.model.snapshots import OrderLineSnapshot
from domain.model.validation import Checks


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line as placed: the variant's sku, name ('Linen shirt / M / sand') and option values, and its price then."""

    sku: str
    product_id: str
    product_name: str
    quantity: int
    unit_price: Money
    variant_name: str
    options: tuple[tuple[str, str], ...]

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)

    def snapshot(self) -> OrderLineSnapshot:
        return {
            "sku": self.sku,
            "product_id": self.product_id,
            "product_name": self.product_name,
            "quantity": self.quantity,
            "unit_price": self.unit_price.snapshot(),
            "line_total": self.total.snapshot(),
            "variant_name": self.variant_name,
            "options": [[name, value] for name, value in self.options],
        }

    @classmethod
    def from_snapshot(cls, snapshot: OrderLineSnapshot) -> OrderLine:
        """The line as placed; its total is worked out again, not read. A line placed before products had variants
        names the product, with no options."""
        return cls(
            sku=snapshot["sku"],
            product_id=snapshot["product_id"],
            product_name=snapshot["product_name"],
            quantity=snapshot["quantity"],
            unit_price=Money.from_snapshot(snapshot["unit_price"]),
            variant_name=snapshot.get("variant_name", snapshot["product_name"]),
            options=tuple((name, value) for name, value in snapshot.get("options", ())),
        )


@dataclass(frozen=True, slots=True)
class RequestedLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a customer asks to order, checked before anything is loaded: customer, line count, skus, quantities."""

    customer_id: str
    lines: tuple[RequestedLine, ...]

    @property
    def skus(self) -> list[str]:
        return [line.sku for line in self.lines]

    @classmethod
    def checked(cls, customer_id: str, lines: Sequence[tuple[str, int]]) -> OrderRequest:
        checks = Checks()
        clean_customer_id = checks.text("customerId", customer_id, max_length=input_limits.ID_MAX) or ""
        checks.count("lines", lines, minimum=1, maximum=input_limits.ORDER_LINES_MAX)
        seen: dict[str, int] = {}
        requested = []
        for i, (sku, quantity) in enumerate(lines):
            clean_sku = check_sku(checks, f"lines.{i}.sku", sku)
            checks.integer(f"lines.{i}.quantity", quantity, minimum=1, maximum=input_limits.ORDER_LINE_QUANTITY_MAX)
            if clean_sku in seen:
                checks.fail(f"lines.{i}.sku", f"repeats the sku of line {seen[clean_sku]}; combine them into one line")
            seen[clean_sku] = i
            requested.append(RequestedLine(clean_sku, quantity))
        checks.raise_if_any()
        return cls(clean_customer_id, tuple(requested))
