"""Input types, exactly as the contract names them. They carry raw input; the domain validates it."""

from __future__ import annotations

import strawberry

from api.schema.scalars import DecimalText


@strawberry.input
class MoneyInput:
    amount: DecimalText
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")


@strawberry.input
class AttributeInput:
    name: str
    value: str


@strawberry.input(
    description="A purchasable variant: sku and option values (e.g. size M, colour sand); price omitted follows the "
    "product's."
)
class VariantInput:
    sku: str
    options: list[AttributeInput]
    price: MoneyInput | None = None


@strawberry.input
class ImageInput:
    url: str
    alt: str | None = None
    width: int | None = None
    height: int | None = None


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    description: str | None = None
    brand: str | None = None
    category_path: list[str] | None = strawberry.field(
        default=None, description="Root first, e.g. ['Furniture', 'Living Room', 'Sofas']."
    )
    price: MoneyInput
    attributes: list[AttributeInput] | None = None
    idempotency_key: str | None = None
    slug: str | None = strawberry.field(
        default=None, description="URL handle, unique; omitted: made from the name (and made unique)."
    )
    variants: list[VariantInput] | None = strawberry.field(
        default=None,
        description="The purchasable variants. Omitted: one variant with the product's sku and price. Given: each has "
        "its own sku (unique across all products and variants, and not the product's sku); stock lives on variants.",
    )
    images: list[ImageInput] | None = None


@strawberry.input
class UpdateProductDetailsInput:
    product_id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    description: str | None = None
    brand: str | None = None
    category_path: list[str] | None = None
    attributes: list[AttributeInput] | None = None
    idempotency_key: str | None = None
    slug: str | None = None
    images: list[ImageInput] | None = strawberry.field(
        default=None, description="Replaces the product's images, in order."
    )


@strawberry.input
class ChangeProductPriceInput:
    product_id: strawberry.ID
    expected_version: int | None = None
    price: MoneyInput
    idempotency_key: str | None = None
    sku: str | None = strawberry.field(
        default=None,
        description="The variant to reprice. Omitted: the product's default price, which variants without a price of "
        "their own follow.",
    )


@strawberry.input
class DiscontinueProductInput:
    product_id: strawberry.ID
    expected_version: int | None = None
    idempotency_key: str | None = None


@strawberry.input
class AddProductVariantInput:
    product_id: strawberry.ID
    expected_version: int | None = None
    variant: VariantInput
    idempotency_key: str | None = None


@strawberry.input
class UpdateProductVariantInput:
    product_id: strawberry.ID
    sku: str
    expected_version: int | None = None
    options: list[AttributeInput] | None = None
    # UNSET (absent) leaves the own price; null clears it: the one input where absent and null differ.
    price: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Null clears the variant's own price, so it follows the product's again.",
    )
    idempotency_key: str | None = None


@strawberry.input
class DiscontinueProductVariantInput:
    product_id: strawberry.ID
    sku: str
    expected_version: int | None = None
    idempotency_key: str | None = None


@strawberry.input(
    description="Stock commands and order lines take a variant's sku, or the sku of a product created without variants."
)
class ReceiveStockInput:
    sku: str
    quantity: int
    idempotency_key: str | None = None


@strawberry.input
class AdjustStockInput:
    sku: str
    delta: int = strawberry.field(description="Signed change of the on-hand quantity.")
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int


@strawberry.input
class PlaceOrderInput:
    customer_id: strawberry.ID
    lines: list[OrderLineInput]
    idempotency_key: str | None = None


@strawberry.input
class PayOrderInput:
    order_id: strawberry.ID
    amount: MoneyInput
    idempotency_key: str | None = None


@strawberry.input
class ShipOrderInput:
    order_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class AttributeFilter:
    name: str
    values: list[str] = strawberry.field(description="Matches any of these values.")


@strawberry.input
class ProductFilter:
    category_path: list[str] | None = strawberry.field(
        default=None, description="Products at or below this category path prefix."
    )
    brands: list[str] | None = None
    price_min: DecimalText | None = None
    price_max: DecimalText | None = None
    in_stock: bool | None = None
    attributes: list[AttributeFilter] | None = None
    include_discontinued: bool | None = strawberry.field(
        default=None, description="Discontinued products are excluded unless this is true."
    )
