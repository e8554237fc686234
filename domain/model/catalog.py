"""Product: the sellable item of the catalog, with its purchasable variants and their stock (one consistency
boundary: a product, its variants, their stock and prices change together, under one version)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.model.commands import ImageRequest, VariantRequest
from domain.model.errors import InvalidState
from domain.model.events import (
    PRODUCT,
    ProductCreated,
    ProductDetailsUpdated,
    ProductDiscontinued,
    ProductPriceChanged,
)
from domain.model.images import Image, check_images
from domain.model.input_limits import VARIANTS_MAX
from domain.model.inventory import StockItem
from domain.model.money import Money
from domain.model.product_details import (
    ProductDetails,
    check_attributes,
    check_brand,
    check_category_path,
    check_description,
    check_name,
)
from domain.model.product_status import ProductStatus
from domain.model.product_variants import ProductVariants
from domain.model.skus import check_sku
from domain.model.slugs import check_slug
from domain.model.snapshots import ProductSnapshot
from domain.model.validation import Checks
from domain.model.variants import Variant, Written, check_currency, check_variant, check_variants

__all__ = ["Product", "ProductStatus"]


class Product(ProductVariants):
    aggregate_type = PRODUCT

    def __init__(
        self,
        *,
        id: str,
        sku: str,
        details: ProductDetails,
        price: Money,
        status: ProductStatus,
        variants: tuple[Variant, ...],
        version: int,
        created_at: datetime,
        updated_at: datetime,
    ) -> None:
        super().__init__(version)
        self.id = id
        self.sku = sku
        """The product's own sku: its one variant's, when it was created without variants; else its style number."""
        self.details = details
        self.price = price
        """The default price, which variants without a price of their own follow."""
        self.status = status
        self.variants = variants
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
        slug: str,
        description: str | None = None,
        brand: str | None = None,
        category_path: tuple[str, ...] = (),
        attributes: tuple[tuple[str, str], ...] = (),
        variants: Sequence[VariantRequest] | None = None,
        images: Sequence[ImageRequest] = (),
        now: datetime,
    ) -> Product:
        """Without `variants`, one variant with the product's sku and price, and no options."""
        checks = Checks()
        clean_sku = check_sku(checks, "sku", sku)
        details = ProductDetails(
            name=check_name(checks, name),
            description=check_description(checks, description),
            brand=check_brand(checks, brand),
            category_path=check_category_path(checks, category_path),
            attributes=check_attributes(checks, attributes),
            slug=check_slug(checks, "slug", slug),
            images=check_images(checks, "images", images),
        )
        price = Money.parse(checks, "price", price_amount, price_currency)
        new_variants = _new_variants(checks, clean_sku, price, variants)
        checks.raise_if_any()
        assert price is not None
        product = cls(
            id=str(uuid.uuid4()),
            sku=clean_sku,
            details=details,
            price=price,
            status=ProductStatus.ACTIVE,
            variants=new_variants,
            version=0,
            created_at=now,
            updated_at=now,
        )
        product.record_at(
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
                slug=details.slug,
                images=details.images,
                variants=new_variants,
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
        slug: str | None = None,
        images: Sequence[ImageRequest] | None = None,
        now: datetime,
    ) -> None:
        """None leaves a detail as it is; an empty description or brand clears it, no images remove them."""
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
        if slug is not None:
            changes["slug"] = check_slug(checks, "slug", slug)
        if images is not None:
            changes["images"] = check_images(checks, "images", images)
        if not changes:
            checks.fail(None, "names no field to change")
        checks.raise_if_any()
        changed = tuple(name for name, value in changes.items() if getattr(self.details, name) != value)
        if not changed:
            return
        self.details = replace(self.details, **changes)
        event = ProductDetailsUpdated(product_id=self.id, occurred_at=now, changed_fields=changed, details=self.details)
        self.record_at(now, event)

    def change_price(
        self, amount: Decimal | str, currency: str, expected_version: int | None, now: datetime, sku: str | None = None
    ) -> None:
        """With `sku`, that variant's own price; without, the default price (all of a product's prices share one
        currency: the default's changes only when no variant has a price of its own in another)."""
        self.require_version(expected_version)
        price = Money.checked("price", amount, currency)
        checks = Checks()
        if sku is None:
            own_prices = [variant.own_price for variant in self.variants if variant.own_price is not None]
            if own_prices:
                check_currency(checks, "price.currency", price, own_prices[0].currency)
            checks.raise_if_any()
            if price == self.price:
                return
            old, self.price = self.price, price
        else:
            index = self.variant_index(sku, "sku")
            variant = self.variants[index]
            check_currency(checks, "price.currency", price, self.price.currency)
            checks.raise_if_any()
            if price == variant.own_price:
                return
            old = variant.price(self.price)
            self.replace_variant(index, replace(variant, own_price=price))
            sku = variant.sku
        event = ProductPriceChanged(product_id=self.id, occurred_at=now, sku=sku, old_price=old, new_price=price)
        self.record_at(now, event)

    def discontinue(self, expected_version: int | None, now: datetime) -> None:
        """The variants keep their statuses: the product's status is what shoppers see."""
        self.require_version(expected_version)
        if self.status is ProductStatus.DISCONTINUED:
            raise InvalidState(f"product {self.sku} is already discontinued")
        self.status = ProductStatus.DISCONTINUED
        self.record_at(now, ProductDiscontinued(product_id=self.id, occurred_at=now))

    def snapshot(self) -> ProductSnapshot:
        details = self.details
        stock = self.stock
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
            "on_hand": stock.on_hand,
            "reserved": stock.reserved,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "slug": details.slug,
            "images": [image.snapshot() for image in details.images],
            "variants": [variant.snapshot(details.name, self.price) for variant in self.variants],
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
                slug=snapshot["slug"],
                images=tuple(Image.from_snapshot(image) for image in snapshot["images"]),
            ),
            price=Money.from_snapshot(snapshot["price"]),
            status=ProductStatus(snapshot["status"]),
            variants=tuple(Variant.from_snapshot(variant) for variant in snapshot["variants"]),
            version=snapshot["version"],
            created_at=datetime.fromisoformat(snapshot["created_at"]),
            updated_at=datetime.fromisoformat(snapshot["updated_at"]),
        )


def _new_variants(
    checks: Checks, sku: str, price: Money | None, requests: Sequence[VariantRequest] | None
) -> tuple[Variant, ...]:
    if requests is None:
        return (Variant(str(uuid.uuid4()), sku, (), None, ProductStatus.ACTIVE, StockItem()),)
    checks.count("variants", requests, minimum=1, maximum=VARIANTS_MAX)
    written = [
        Written(check_variant(checks, f"variants.{i}", request).new_variant(), f"variants.{i}.", new=True)
        for i, request in enumerate(requests)
    ]
    return tuple(
        check_variants(checks, product_sku=sku, default_price=price, kept=(), written=written, count_field="variants")
    )
