"""What a product does with its variants: add one, change one's options or own price, discontinue one.

Part of `Product` (`catalog.py`), apart to keep each module about one thing; the rules among a product's variants
are in `variants.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.model.commands import PriceRequest, VariantRequest
from domain.model.errors import InvalidState
from domain.model.events import ProductVariantAdded, ProductVariantDiscontinued, ProductVariantUpdated
from domain.model.money import Money
from domain.model.product_details import ProductDetails
from domain.model.product_status import ProductStatus
from domain.model.product_stock import ProductStock
from domain.model.validation import Checks
from domain.model.variants import Written, check_options, check_variant, check_variants


class ProductVariants(ProductStock):
    """The variant commands of `Product`, which holds the details and default price they read."""

    details: ProductDetails
    price: Money

    def add_variant(self, request: VariantRequest, expected_version: int | None, now: datetime) -> None:
        self.require_version(expected_version)
        checks = Checks()
        new = Written(check_variant(checks, "variant", request).new_variant(), "variant.", new=True)
        [variant] = check_variants(
            checks, product_sku=self.sku, default_price=self.price, kept=self.variants, written=[new],
            count_field="variant",
        )  # fmt: skip
        checks.raise_if_any()
        self.variants = (*self.variants, variant)
        event = ProductVariantAdded(product_id=self.id, occurred_at=now, variant_id=variant.id, sku=variant.sku,
                                    options=variant.options, own_price=variant.own_price)  # fmt: skip
        self.record_at(now, event)

    def update_variant(
        self,
        sku: str,
        *,
        options: tuple[tuple[str, str], ...] | None,
        price: PriceRequest | None,
        clear_price: bool,
        expected_version: int | None,
        now: datetime,
    ) -> None:
        """None leaves a field as it is; `clear_price` drops the own price, so the variant follows the default."""
        self.require_version(expected_version)
        index = self.variant_index(sku, "sku")
        variant = self.variants[index]
        checks = Checks()
        changes: dict[str, Any] = {}
        if options is not None:
            changes["options"] = check_options(checks, "options", options)
        if price is not None:
            changes["own_price"] = Money.parse(checks, "price", price.amount, price.currency)
        if clear_price:
            if price is not None:
                checks.fail("price", "is given and cleared at once")
            changes["own_price"] = None
        if not changes:
            checks.fail(None, "names no field to change")
        checks.raise_if_any()
        kept = self.variants[:index] + self.variants[index + 1 :]
        [changed] = check_variants(
            checks, product_sku=self.sku, default_price=self.price, kept=kept,
            written=[Written(replace(variant, **changes), "", new=False)], count_field="sku",
        )  # fmt: skip
        checks.raise_if_any()
        compared = (("options", variant.options, changed.options), ("price", variant.own_price, changed.own_price))
        changed_fields = tuple(name for name, before, after in compared if before != after)
        if not changed_fields:
            return
        self.replace_variant(index, changed)
        event = ProductVariantUpdated(product_id=self.id, occurred_at=now, sku=changed.sku,
                                      changed_fields=changed_fields, options=changed.options,
                                      own_price=changed.own_price)  # fmt: skip
        self.record_at(now, event)

    def discontinue_variant(self, sku: str, expected_version: int | None, now: datetime) -> None:
        """Refused for the last active variant, so that an active product always has one to sell."""
        self.require_version(expected_version)
        index = self.variant_index(sku, "sku")
        variant = self.variants[index]
        if not variant.active:
            raise InvalidState(f"variant {variant.sku} is already discontinued", "sku")
        if not any(other.active for other in self.variants if other is not variant):
            raise InvalidState(f"{variant.sku} is the last active variant; discontinue the product instead", "sku")
        self.replace_variant(index, replace(variant, status=ProductStatus.DISCONTINUED))
        self.record_at(now, ProductVariantDiscontinued(product_id=self.id, occurred_at=now, sku=variant.sku))
