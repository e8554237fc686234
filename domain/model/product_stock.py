"""The stock side of a product: stock lives on its variants, found by their skus, under the product's bounds.

A stock command or an order line names a variant's sku (a product created without variants has one variant with
the product's own sku, so the product's sku works there). The bound on stock (`inventory.check_total_on_hand`) is
the product's: its on hand summed over all its variants, so that every sum of stock, the product's as much as any
variant's, fits a GraphQL Int and the index mapping's `integer`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.model.aggregate import Aggregate
from domain.model.errors import InvalidState, NotFound, ValidationFailed
from domain.model.events import (
    ProductCreated,
    ProductEvent,
    StockAdjusted,
    StockReceived,
    StockReleased,
    StockReserved,
    StockShipped,
)
from domain.model.inventory import StockAdjustment, StockItem, StockReceipt, check_total_on_hand
from domain.model.product_status import ProductStatus
from domain.model.quoting import quoted
from domain.model.variants import Variant, total_on_hand

_SKUS_LISTED = 5
"""How many of its variants' skus a refusal lists."""


class ProductStock(Aggregate):
    """What `Product` does with its variants' stock; `Product` holds the rest."""

    id: str
    sku: str
    status: ProductStatus
    variants: tuple[Variant, ...]
    updated_at: datetime

    @property
    def stock(self) -> StockItem:
        """The product's stock: its variants' on hand and reserved, summed."""
        return StockItem(total_on_hand(self.variants), sum(variant.stock.reserved for variant in self.variants))

    def stock_of(self, sku: str) -> StockItem:
        return self.variants[self.variant_index(sku, "sku")].stock

    def receive_stock(self, receipt: StockReceipt, now: datetime) -> None:
        index = self.variant_index(receipt.sku, "sku")
        check_total_on_hand(total_on_hand(self.variants) + receipt.quantity, "quantity")
        variant = self._move(index, self.variants[index].stock.received(receipt.quantity))
        self.record_at(now, StockReceived(product_id=self.id, occurred_at=now, sku=variant.sku,
                                          quantity=receipt.quantity))  # fmt: skip

    def adjust_stock(self, adjustment: StockAdjustment, now: datetime) -> None:
        index = self.variant_index(adjustment.sku, "sku")
        check_total_on_hand(total_on_hand(self.variants) + adjustment.delta, "delta")
        variant = self._move(index, self.variants[index].stock.adjusted(adjustment.delta))
        event = StockAdjusted(
            product_id=self.id, occurred_at=now, sku=variant.sku, delta=adjustment.delta, reason=adjustment.reason
        )
        self.record_at(now, event)

    def reserve(self, sku: str, order_id: str, quantity: int, field: str, now: datetime) -> Variant:
        """Reserves for an order's line (`field`: 'lines.2'); the variant reserved, as the line records it."""
        index = self.variant_index(sku, f"{field}.sku")
        variant = self.variants[index]
        if self.status is ProductStatus.DISCONTINUED:
            raise InvalidState(f"product {self.sku} is discontinued", field)
        if not variant.active:
            raise InvalidState(f"variant {variant.sku} is discontinued", field)
        variant = self._move(index, variant.stock.reserving(quantity, f"{field}.quantity"))
        self.record_at(now, StockReserved(product_id=self.id, occurred_at=now, sku=variant.sku, order_id=order_id,
                                          quantity=quantity))  # fmt: skip
        return variant

    def release(self, sku: str, order_id: str, quantity: int, now: datetime) -> None:
        index = self.variant_index(sku, "sku")
        variant = self._move(index, self.variants[index].stock.releasing(quantity))
        self.record_at(now, StockReleased(product_id=self.id, occurred_at=now, sku=variant.sku, order_id=order_id,
                                          quantity=quantity))  # fmt: skip

    def ship(self, sku: str, order_id: str, quantity: int, now: datetime) -> None:
        index = self.variant_index(sku, "sku")
        variant = self._move(index, self.variants[index].stock.shipping(quantity))
        self.record_at(now, StockShipped(product_id=self.id, occurred_at=now, sku=variant.sku, order_id=order_id,
                                         quantity=quantity))  # fmt: skip

    def variant_index(self, sku: str, field: str) -> int:
        """Where the variant with this sku is; a refusal naming `field` when the product has none."""
        wanted = sku.strip()
        for index, variant in enumerate(self.variants):
            if variant.sku == wanted:
                return index
        if wanted == self.sku:
            listed = [variant.sku for variant in self.variants[:_SKUS_LISTED]]
            more = ", …" if len(self.variants) > _SKUS_LISTED else ""
            message = (
                f"{quoted(wanted)} is the product's own sku, not a variant's: name a variant's sku "
                f"({', '.join(listed)}{more})"
            )
            raise ValidationFailed(message, field)
        raise NotFound(f"product {self.sku} has no variant with sku {quoted(wanted)}", field)

    def replace_variant(self, index: int, variant: Variant) -> None:
        self.variants = (*self.variants[:index], variant, *self.variants[index + 1 :])

    def record_at(self, now: datetime, event: ProductCreated | ProductEvent) -> None:
        self.updated_at = now
        self.record(event)

    def _move(self, index: int, stock: StockItem) -> Variant:
        variant = replace(self.variants[index], stock=stock)
        self.replace_variant(index, variant)
        return variant
