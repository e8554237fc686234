"""Stock of one sku: what is on hand and how much of it open orders have reserved."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model.errors import InsufficientStock, InvalidState


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
