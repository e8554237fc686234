"""Product: the sellable item of the catalog, and the stock of its sku (one consistency boundary per sku)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.model import input_limits
from domain.model.aggregate import Aggregate
from domain.model.commands import CreateProduct, UpdateProductDetails
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
from domain.model.inventory import StockItem
from domain.model.json_data import as_json_data
from domain.model.money import Money
from domain.model.validation import Checks


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISCONTINUED = "DISCONTINUED"


@dataclass(frozen=True, slots=True)
class ProductDetails:
    name: str
    description: str | None
    brand: str | None
    category_path: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]


def check_sku(checks: Checks, field: str, sku: str) -> str:
    return checks.text(field, sku, max_length=input_limits.SKU_MAX, pattern=input_limits.SKU_PATTERN) or ""


def _check_category_path(checks: Checks, path: tuple[str, ...]) -> tuple[str, ...]:
    checks.count("categoryPath", path, maximum=input_limits.CATEGORY_DEPTH_MAX)
    names = [
        checks.text(f"categoryPath.{i}", name, max_length=input_limits.CATEGORY_NAME_MAX) for i, name in enumerate(path)
    ]
    return tuple(name for name in names if name)


def _check_attributes(checks: Checks, attributes: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    checks.count("attributes", attributes, maximum=input_limits.ATTRIBUTES_MAX)
    seen: set[tuple[str, str]] = set()
    result = []
    for i, (name, value) in enumerate(attributes):
        clean_name = checks.text(f"attributes.{i}.name", name, max_length=input_limits.ATTRIBUTE_NAME_MAX)
        clean_value = checks.text(f"attributes.{i}.value", value, max_length=input_limits.ATTRIBUTE_VALUE_MAX)
        if clean_name and clean_value:
            if (clean_name, clean_value) in seen:
                checks.fail(f"attributes.{i}", f"repeats {clean_name}={clean_value}")
            seen.add((clean_name, clean_value))
            result.append((clean_name, clean_value))
    return tuple(result)


def _optional_text(checks: Checks, field: str, value: str | None, max_length: int) -> str | None:
    return checks.text(field, value, max_length=max_length, required=False)


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
    def create(cls, command: CreateProduct, now: datetime) -> Product:
        checks = Checks()
        sku = check_sku(checks, "sku", command.sku)
        details = ProductDetails(
            name=checks.text("name", command.name, max_length=input_limits.NAME_MAX) or "",
            description=_optional_text(checks, "description", command.description, input_limits.DESCRIPTION_MAX),
            brand=_optional_text(checks, "brand", command.brand, input_limits.BRAND_MAX),
            category_path=_check_category_path(checks, command.category_path),
            attributes=_check_attributes(checks, command.attributes),
        )
        price = Money.parse(checks, "price", command.price_amount, command.price_currency)
        checks.raise_if_any()
        assert price is not None
        product = cls(
            id=str(uuid.uuid4()),
            sku=sku,
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
                sku=sku,
                name=details.name,
                description=details.description,
                brand=details.brand,
                category_path=details.category_path,
                price=price,
                attributes=details.attributes,
            ),
        )
        return product

    def update_details(self, command: UpdateProductDetails, now: datetime) -> None:
        self.require_version(command.expected_version)
        checks = Checks()
        changes: dict[str, Any] = {}
        if command.name is not None:
            changes["name"] = checks.text("name", command.name, max_length=input_limits.NAME_MAX)
        if command.description is not None:
            changes["description"] = _optional_text(
                checks, "description", command.description, input_limits.DESCRIPTION_MAX
            )
        if command.brand is not None:
            changes["brand"] = _optional_text(checks, "brand", command.brand, input_limits.BRAND_MAX)
        if command.category_path is not None:
            changes["category_path"] = _check_category_path(checks, command.category_path)
        if command.attributes is not None:
            changes["attributes"] = _check_attributes(checks, command.attributes)
        if not changes:
            checks.fail(None, "names no field to change")
        checks.raise_if_any()
        changed = tuple(name for name, value in changes.items() if getattr(self.details, name) != value)
        if not changed:
            return
        self.details = replace(self.details, **changes)
        self._record_at(now, ProductDetailsUpdated(product_id=self.id, occurred_at=now, changed_fields=changed))

    def change_price(self, amount: Any, currency: str, expected_version: int | None, now: datetime) -> None:
        self.require_version(expected_version)
        checks = Checks()
        price = Money.parse(checks, "price", amount, currency)
        checks.raise_if_any()
        assert price is not None
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

    def receive_stock(self, quantity: int, now: datetime) -> None:
        self.stock = self.stock.received(quantity)
        self._record_at(now, StockReceived(product_id=self.id, occurred_at=now, sku=self.sku, quantity=quantity))

    def adjust_stock(self, delta: int, reason: str, now: datetime) -> None:
        self.stock = self.stock.adjusted(delta)
        event = StockAdjusted(product_id=self.id, occurred_at=now, sku=self.sku, delta=delta, reason=reason)
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

    def state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sku": self.sku,
            **as_json_data(self.details),
            "price": self.price.as_dict(),
            "status": self.status.value,
            "on_hand": self.stock.on_hand,
            "reserved": self.stock.reserved,
            "version": self.version,
            "created_at": as_json_data(self.created_at),
            "updated_at": as_json_data(self.updated_at),
        }
