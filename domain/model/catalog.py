"""Product: the sellable item of the catalog, and the stock of its sku (one consistency boundary per sku)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.model.aggregate import Aggregate
from domain.model.errors import InvalidState
from domain.model.events import (
    PRODUCT,
    ProductCreated,
    ProductDetailsUpdated,
    ProductDiscontinued,
    ProductEvent,
    ProductPriceChanged,
    StockAdjusted,
    StockReceived,
    StockReleased,
    StockReserved,
    StockShipped,
)
from domain.model.inventory import StockAdjustment, StockItem, StockReceipt, check_total_on_hand
from domain.model.money import Money
from domain.model.product_details import (
    ProductDetails,
    check_attributes,
    check_brand,
    check_category_path,
    check_description,
    check_name,
)
from domain.model.skus import check_sku
from domain.model.snapshots import ProductSnapshot
from domain.model.validation import Checks


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISCONTINUED = "DISCONTINUED"


class Product(Aggregate):
    aggregate_type = PRODUCT

    def __init__(
        self,
        *,
        id: str,
        sku: str,
        details: ProductDetails,
        price: Money,
        status: ProductStatus,
        stock: StockItem,
        version: int,
        created_at: datetime,
        updated_at: datetime,
    ) -> None:
        super().__init__(version)
        self.id = id
        self.sku = sku
        self.details = details
        self.price = price
        self.status = status
        self.stock = stock
        self.created_at = created_at
        self.updated_at = updated_at

    @property
    def key(self) -> str:
        return self.id

    @classmethod
    def create(
        cls,
        *,
        sku: str,
        name: str,
        price_amount: Decimal | str,
        price_currency: str,
        description: str | None = None,
        brand: str | None = None,
        category_path: tuple[str, ...] = (),
        attributes: tuple[tuple[str, str], ...] = (),
        now: datetime,
    ) -> Product:
        checks = Checks()
        clean_sku = check_sku(checks, "sku", sku)
        details = ProductDetails(
            name=check_name(checks, name),
            description=check_description(checks, description),
            brand=check_brand(checks, brand),
            category_path=check_category_path(checks, category_path),
            attributes=check_attributes(checks, attributes),
        )
        price = Money.parse(checks, "price", price_amount, price_currency)
        checks.raise_if_any()
        assert price is not None
        product = cls(
            id=str(uuid.uuid4()),
            sku=clean_sku,
            details=details,
            price=price,
            status=ProductStatus.ACTIVE,
            stock=StockItem(),
            version=0,
            created_at=now,
            updated_at=now,
        )
        product._record_at(
            now,
            ProductCreated(
                product_id=product.id,
                occurred_at=now,
                sku=clean_sku,
                name=details.name,
                description=details.description,
                brand=details.brand,
                category_path=details.category_path,
                price=price,
                attributes=details.attributes,
            ),
        )
        return product

    def update_details(
        self,
        *,
        expected_version: int | None = None,
        name: str | None = None,
        description: str | None = None,
        brand: str | None = None,
        category_path: tuple[str, ...] | None = None,
        attributes: tuple[tuple[str, str], ...] | None = None,
        now: datetime,
    ) -> None:
        """None leaves a detail as it is; an empty description or brand clears it."""
        self.require_version(expected_version)
        checks = Checks()
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = check_name(checks, name)
        if description is not None:
            changes["description"] = check_description(checks, description)
        if brand is not None:
            changes["brand"] = check_brand(checks, brand)
        if category_path is not None:
            changes["category_path"] = check_category_path(checks, category_path)
        if attributes is not None:
            changes["attributes"] = check_attributes(checks, attributes)
        if not changes:
            checks.fail(None, "names no field to change")
        checks.raise_if_any()
        changed = tuple(name for name, value in changes.items() if getattr(self.details, name) != value)
        if not changed:
            return
        self.details = replace(self.details, **changes)
        event = ProductDetailsUpdated(product_id=self.id, occurred_at=now, changed_fields=changed, details=self.details)
        self._record_at(now, event)

    def change_price(self, amount: Decimal | str, currency: str, expected_version: int | None, now: datetime) -> None:
        self.require_version(expected_version)
        price = Money.checked("price", amount, currency)
        if price == self.price:
            return
        old, self.price = self.price, price
        self._record_at(now, ProductPriceChanged(product_id=self.id, occurred_at=now, old_price=old, new_price=price))

    def discontinue(self, expected_version: int | None, now: datetime) -> None:
        self.require_version(expected_version)
        if self.status is ProductStatus.DISCONTINUED:
            raise InvalidState(f"product {self.sku} is already discontinued")
        self.status = ProductStatus.DISCONTINUED
        self._record_at(now, ProductDiscontinued(product_id=self.id, occurred_at=now))

    def receive_stock(self, receipt: StockReceipt, now: datetime) -> None:
        stock = self.stock.received(receipt.quantity)
        check_total_on_hand(stock.on_hand, "quantity")
        self.stock = stock
        event = StockReceived(product_id=self.id, occurred_at=now, sku=self.sku, quantity=receipt.quantity)
        self._record_at(now, event)

    def adjust_stock(self, adjustment: StockAdjustment, now: datetime) -> None:
        stock = self.stock.adjusted(adjustment.delta)
        check_total_on_hand(stock.on_hand, "delta")
        self.stock = stock
        event = StockAdjusted(
            product_id=self.id, occurred_at=now, sku=self.sku, delta=adjustment.delta, reason=adjustment.reason
        )
        self._record_at(now, event)

    def reserve(self, order_id: str, quantity: int, field: str, now: datetime) -> None:
        if self.status is ProductStatus.DISCONTINUED:
            raise InvalidState(f"product {self.sku} is discontinued", field)
        self.stock = self.stock.reserving(quantity, f"{field}.quantity")
        self._record_at(
            now,
            StockReserved(product_id=self.id, occurred_at=now, sku=self.sku, order_id=order_id, quantity=quantity),
        )

    def release(self, order_id: str, quantity: int, now: datetime) -> None:
        self.stock = self.stock.releasing(quantity)
        self._record_at(
            now,
            StockReleased(product_id=self.id, occurred_at=now, sku=self.sku, order_id=order_id, quantity=quantity),
        )

    def ship(self, order_id: str, quantity: int, now: datetime) -> None:
        self.stock = self.stock.shipping(quantity)
        self._record_at(
            now,
            StockShipped(product_id=self.id, occurred_at=now, sku=self.sku, order_id=order_id, quantity=quantity),
        )

    def _record_at(self, now: datetime, event: ProductCreated | ProductEvent) -> None:
        self.updated_at = now
        self.record(event)

    def snapshot(self) -> ProductSnapshot:
        details = self.details
        return {
            "id": self.id,
            "sku": self.sku,
            "name": details.name,
            "description": details.description,
            "brand": details.brand,
            "category_path": list(details.category_path),
            "attributes": [[name, value] for name, value in details.attributes],
            "price": self.price.snapshot(),
            "status": self.status.value,
            "on_hand": self.stock.on_hand,
            "reserved": self.stock.reserved,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_snapshot(cls, snapshot: ProductSnapshot) -> Product:
        """The product as it was when `snapshot()` gave this (how storage loads it)."""
        return cls(
            id=snapshot["id"],
            sku=snapshot["sku"],
            details=ProductDetails(
                name=snapshot["name"],
                description=snapshot["description"],
                brand=snapshot["brand"],
                category_path=tuple(snapshot["category_path"]),
                attributes=tuple((name, value) for name, value in snapshot["attributes"]),
            ),
            price=Money.from_snapshot(snapshot["price"]),
            status=ProductStatus(snapshot["status"]),
            stock=StockItem(snapshot["on_hand"], snapshot["reserved"]),
            version=snapshot["version"],
            created_at=datetime.fromisoformat(snapshot["created_at"]),
            updated_at=datetime.fromisoformat(snapshot["updated_at"]),
        )
