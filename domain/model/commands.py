"""Commands: what a caller asks the system to do, in the imperative. Raw input; the model validates it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Command:
    pass


@dataclass(frozen=True, kw_only=True)
class PriceRequest:
    amount: Decimal | str
    currency: str


@dataclass(frozen=True, kw_only=True)
class VariantRequest:
    sku: str
    options: tuple[tuple[str, str], ...] = ()
    """(name, value) pairs: size M, colour sand."""
    price: PriceRequest | None = None
    """None: the variant follows the product's default price."""


@dataclass(frozen=True, kw_only=True)
class ImageRequest:
    url: str
    alt: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, kw_only=True)
class CreateProduct(Command):
    """Without `variants`, the product has one variant with its own sku and price; `slug` None: made from the
    name."""

    sku: str
    name: str
    price_amount: Decimal | str
    price_currency: str
    description: str | None = None
    brand: str | None = None
    category_path: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    slug: str | None = None
    variants: tuple[VariantRequest, ...] | None = None
    images: tuple[ImageRequest, ...] = ()


@dataclass(frozen=True, kw_only=True)
class UpdateProductDetails(Command):
    """None leaves a field as it is; an empty description or brand clears it."""

    product_id: str
    expected_version: int | None = None
    name: str | None = None
    description: str | None = None
    brand: str | None = None
    category_path: tuple[str, ...] | None = None
    attributes: tuple[tuple[str, str], ...] | None = None
    slug: str | None = None
    images: tuple[ImageRequest, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeProductPrice(Command):
    """With `sku`, that variant's own price; without, the product's default price."""

    product_id: str
    price_amount: Decimal | str
    price_currency: str
    expected_version: int | None = None
    sku: str | None = None


@dataclass(frozen=True, kw_only=True)
class DiscontinueProduct(Command):
    product_id: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class AddProductVariant(Command):
    product_id: str
    variant: VariantRequest
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateProductVariant(Command):
    """None leaves a field as it is; `clear_price` drops the variant's own price (it follows the product's)."""

    product_id: str
    sku: str
    expected_version: int | None = None
    options: tuple[tuple[str, str], ...] | None = None
    price: PriceRequest | None = None
    clear_price: bool = False


@dataclass(frozen=True, kw_only=True)
class DiscontinueProductVariant(Command):
    product_id: str
    sku: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiveStock(Command):
    sku: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class AdjustStock(Command):
    sku: str
    delta: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderLineRequest:
    sku: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class PlaceOrder(Command):
    customer_id: str
    lines: tuple[OrderLineRequest, ...]


@dataclass(frozen=True, kw_only=True)
class PayOrder(Command):
    order_id: str
    amount: Decimal | str
    currency: str
    on_behalf_of_customer: str | None = None


@dataclass(frozen=True, kw_only=True)
class ShipOrder(Command):
    order_id: str


@dataclass(frozen=True, kw_only=True)
class CancelOrder(Command):
    order_id: str
    reason: str | None = None
    on_behalf_of_customer: str | None = None


@dataclass(frozen=True, kw_only=True, repr=False)
class RegisterWebhook(Command):
    url: str
    events: tuple[str, ...]
    """`WebhookEvent` values."""
    secret: str

    def __repr__(self) -> str:
        """Names the secret by a digest only: a command's repr may reach a log line, and it is the idempotency
        fingerprint (`bus.fingerprint`), which must still tell two secrets apart."""
        digest = hashlib.sha256(self.secret.encode()).hexdigest()[:16]
        return f"RegisterWebhook(url={self.url!r}, events={self.events!r}, secret=<sha256 {digest}>)"


@dataclass(frozen=True, kw_only=True)
class RemoveWebhook(Command):
    webhook_id: str
