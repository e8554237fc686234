"""How each mutation's input becomes its domain command: `COMMANDS`, by mutation field. The single mutations
(`api.schema.mutations`), the bulk ones, the command path and `catalog import` all build commands through it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry

from api.schema.inputs import (
    AddProductVariantInput,
    AdjustStockInput,
    AttributeInput,
    CancelOrderInput,
    ChangeProductPriceInput,
    CreateProductInput,
    DiscontinueProductInput,
    DiscontinueProductVariantInput,
    ImageInput,
    MoneyInput,
    PayOrderInput,
    PlaceOrderInput,
    ReceiveStockInput,
    ShipOrderInput,
    UpdateProductDetailsInput,
    UpdateProductVariantInput,
    VariantInput,
)
from api.schema.webhooks import RegisterWebhookInput, RemoveWebhookInput
from domain.model import commands


def _attributes(attributes: Sequence[AttributeInput]) -> tuple[tuple[str, str], ...]:
    return tuple((attribute.name, attribute.value) for attribute in attributes)


def _optional_tuple(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _price(money: MoneyInput) -> commands.PriceRequest:
    return commands.PriceRequest(amount=money.amount, currency=money.currency)


def _variant(variant: VariantInput) -> commands.VariantRequest:
    price = None if variant.price is None else _price(variant.price)
    return commands.VariantRequest(sku=variant.sku, options=_attributes(variant.options), price=price)


def _images(images: Sequence[ImageInput]) -> tuple[commands.ImageRequest, ...]:
    return tuple(
        commands.ImageRequest(url=image.url, alt=image.alt, width=image.width, height=image.height) for image in images
    )


def _create_product(input: CreateProductInput) -> commands.Command:
    return commands.CreateProduct(
        sku=input.sku,
        name=input.name,
        description=input.description,
        brand=input.brand,
        category_path=tuple(input.category_path or ()),
        price_amount=input.price.amount,
        price_currency=input.price.currency,
        attributes=_attributes(input.attributes or ()),
        slug=input.slug,
        variants=None if input.variants is None else tuple(map(_variant, input.variants)),
        images=_images(input.images or ()),
    )


def _update_product_details(input: UpdateProductDetailsInput) -> commands.Command:
    return commands.UpdateProductDetails(
        product_id=input.product_id,
        expected_version=input.expected_version,
        name=input.name,
        description=input.description,
        brand=input.brand,
        category_path=_optional_tuple(input.category_path),
        attributes=None if input.attributes is None else _attributes(input.attributes),
        slug=input.slug,
        images=None if input.images is None else _images(input.images),
    )


def _change_product_price(input: ChangeProductPriceInput) -> commands.Command:
    return commands.ChangeProductPrice(
        product_id=input.product_id,
        expected_version=input.expected_version,
        price_amount=input.price.amount,
        price_currency=input.price.currency,
        sku=input.sku,
    )


def _discontinue_product(input: DiscontinueProductInput) -> commands.Command:
    return commands.DiscontinueProduct(product_id=input.product_id, expected_version=input.expected_version)


def _add_product_variant(input: AddProductVariantInput) -> commands.Command:
    return commands.AddProductVariant(
        product_id=input.product_id, variant=_variant(input.variant), expected_version=input.expected_version
    )


def _update_product_variant(input: UpdateProductVariantInput) -> commands.Command:
    """`price` absent leaves the own price, null clears it."""
    price = input.price
    return commands.UpdateProductVariant(
        product_id=input.product_id,
        sku=input.sku,
        expected_version=input.expected_version,
        options=None if input.options is None else _attributes(input.options),
        price=None if price is None or price is strawberry.UNSET else _price(price),
        clear_price=price is None,
    )


def _discontinue_product_variant(input: DiscontinueProductVariantInput) -> commands.Command:
    return commands.DiscontinueProductVariant(
        product_id=input.product_id, sku=input.sku, expected_version=input.expected_version
    )


def _receive_stock(input: ReceiveStockInput) -> commands.Command:
    return commands.ReceiveStock(sku=input.sku, quantity=input.quantity)


def _adjust_stock(input: AdjustStockInput) -> commands.Command:
    return commands.AdjustStock(sku=input.sku, delta=input.delta, reason=input.reason)


def _place_order(input: PlaceOrderInput) -> commands.Command:
    lines = tuple(commands.OrderLineRequest(sku=line.sku, quantity=line.quantity) for line in input.lines)
    return commands.PlaceOrder(customer_id=input.customer_id, lines=lines)


def _pay_order(input: PayOrderInput) -> commands.Command:
    return commands.PayOrder(order_id=input.order_id, amount=input.amount.amount, currency=input.amount.currency)


def _ship_order(input: ShipOrderInput) -> commands.Command:
    return commands.ShipOrder(order_id=input.order_id)


def _cancel_order(input: CancelOrderInput) -> commands.Command:
    return commands.CancelOrder(order_id=input.order_id, reason=input.reason)


def _register_webhook(input: RegisterWebhookInput) -> commands.Command:
    events = tuple(event.value for event in input.events)
    return commands.RegisterWebhook(url=input.url, events=events, secret=input.secret)


def _remove_webhook(input: RemoveWebhookInput) -> commands.Command:
    return commands.RemoveWebhook(webhook_id=input.webhook_id)


COMMANDS: dict[str, Callable[[Any], commands.Command]] = {
    "createProduct": _create_product,
    "updateProductDetails": _update_product_details,
    "changeProductPrice": _change_product_price,
    "discontinueProduct": _discontinue_product,
    "addProductVariant": _add_product_variant,
    "updateProductVariant": _update_product_variant,
    "discontinueProductVariant": _discontinue_product_variant,
    "receiveStock": _receive_stock,
    "adjustStock": _adjust_stock,
    "placeOrder": _place_order,
    "payOrder": _pay_order,
    "shipOrder": _ship_order,
    "cancelOrder": _cancel_order,
    "registerWebhook": _register_webhook,
    "removeWebhook": _remove_webhook,
}
"""Mutation field -> how its `input` becomes the command. Every input has an optional `idempotencyKey`."""
