"""Stock of one sku (on hand, reserved), and the stock changes a caller asks for, checked before anything is loaded.

`StockReceipt` and `StockAdjustment` are built from a command's raw values and refuse bad input with every
problem at once; the product's stock methods take them, so they never see unchecked quantities.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.errors import ErrorCode, InsufficientStock, InvalidState, Problem, ValidationFailed
from domain.model.input_limits import ON_HAND_MAX, QUANTITY_MAX, REASON_MAX
from domain.model.skus import check_sku
from domain.model.validation import Checks


@dataclass(frozen=True, slots=True)
class StockItem:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def received(self, quantity: int) -> StockItem:
        return StockItem(self.on_hand + quantity, self.reserved)

    def adjusted(self, delta: int) -> StockItem:
        if self.on_hand + delta < self.reserved:
            raise InvalidState(
                f"on hand would drop to {self.on_hand + delta}, below the {self.reserved} reserved", "delta"
            )
        return StockItem(self.on_hand + delta, self.reserved)

    def reserving(self, quantity: int, field: str) -> StockItem:
        if quantity > self.available:
            raise InsufficientStock(f"only {self.available} available, {quantity} requested", field)
        return StockItem(self.on_hand, self.reserved + quantity)

    def releasing(self, quantity: int) -> StockItem:
        return StockItem(self.on_hand, self.reserved - quantity)

    def shipping(self, quantity: int) -> StockItem:
        return StockItem(self.on_hand - quantity, self.reserved - quantity)


def check_total_on_hand(total: int, field: str) -> None:
    """A product's stock on hand, all of it together (summed over its variants), stays within `ON_HAND_MAX`; a
    change that would take it past is refused on the input `field` that asked for it."""
    if total > ON_HAND_MAX:
        message = f"would bring the stock on hand to {total}, above the most a product may hold ({ON_HAND_MAX})"
        raise ValidationFailed.of([Problem(ErrorCode.VALIDATION, message, field)])


@dataclass(frozen=True, slots=True)
class StockReceipt:
    """Goods arriving for a sku: a positive quantity."""

    sku: str
    quantity: int

    @classmethod
    def checked(cls, sku: str, quantity: int) -> StockReceipt:
        checks = Checks()
        clean_sku = check_sku(checks, "sku", sku)
        checks.integer("quantity", quantity, minimum=1, maximum=QUANTITY_MAX)
        checks.raise_if_any()
        return cls(clean_sku, quantity)


@dataclass(frozen=True, slots=True)
class StockAdjustment:
    """A correction of what is on hand (a count, damage, loss): a signed, non-zero delta and why."""

    sku: str
    delta: int
    reason: str

    @classmethod
    def checked(cls, sku: str, delta: int, reason: str) -> StockAdjustment:
        checks = Checks()
        clean_sku = check_sku(checks, "sku", sku)
        checks.integer("delta", delta, minimum=-QUANTITY_MAX, maximum=QUANTITY_MAX)
        if delta == 0:
            checks.fail("delta", "must not be zero")
        clean_reason = checks.text("reason", reason, max_length=REASON_MAX) or ""
        checks.raise_if_any()
        return cls(clean_sku, delta, clean_reason)
