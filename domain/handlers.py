"""One function per command: check its input into model values, load, call one aggregate method, commit.

Every business rule lives in the model; a handler only decides what to load and which method runs.
"""

from __future__ import annotations

import itertools

from domain.model.catalog import Product
from domain.model.commands import (
    AddProductVariant,
    AdjustStock,
    CancelOrder,
    ChangeProductPrice,
    Command,
    CreateProduct,
    DiscontinueProduct,
    DiscontinueProductVariant,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    RegisterWebhook,
    RemoveWebhook,
    ShipOrder,
    UpdateProductDetails,
    UpdateProductVariant,
)
from domain.model.errors import Duplicate, ErrorCode, NotFound, Problem, ValidationFailed
from domain.model.inventory import StockAdjustment, StockReceipt
from domain.model.money import Money
from domain.model.new_products import product_created_by
from domain.model.order_lines import OrderRequest
from domain.model.orders import Order, cancellation_reason, unknown_order
from domain.model.quoting import quoted
from domain.model.slugs import candidates, made_slug
from domain.model.webhooks import Webhook, WebhookRegistration
from domain.ports import Handler, Outcome, Precheck, SkuTaken, SlugTaken, TransientConflict, UnitOfWork, WebhookTargets


async def _product(uow: UnitOfWork, product_id: str) -> Product:
    product = await uow.products.get(product_id)
    if product is None:
        raise NotFound(f"no product with id {quoted(product_id)}", "productId")
    return product


async def _product_by_sku(uow: UnitOfWork, sku: str) -> Product:
    product = await uow.products.get_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with sku {quoted(sku)}", "sku")
    return product


async def _order(uow: UnitOfWork, order_id: str) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise unknown_order(order_id)
    return order


async def create_product(command: CreateProduct, uow: UnitOfWork) -> Outcome:
    """The sku registry's and the slug's UNIQUE constraints find duplicates as the product is written: no lookup
    before it. A made slug is the first free one of its candidates; when a concurrent command took it meanwhile,
    the bus runs the command again, which finds the next one."""
    free_slug = None if command.slug is not None else await _free_slug(uow, made_slug(command.name, command.sku))
    product = product_created_by(command, uow.now(), free_slug)
    uow.products.add(product)
    try:
        return await uow.commit(product)
    except SkuTaken as taken:
        given = command.variants is not None
        fields = {variant.sku: f"variants.{i}.sku" for i, variant in enumerate(product.variants)} if given else {}
        raise _taken(taken, {**fields, product.sku: "sku"}) from None
    except SlugTaken as taken:
        if free_slug is not None:
            raise TransientConflict(f"a concurrent command took the slug {free_slug}") from None
        raise _slug_taken(taken) from None


def _slug_taken(taken: SlugTaken) -> Duplicate:
    return Duplicate(f"another product has the slug {quoted(taken.slug)}", "slug")


async def _free_slug(uow: UnitOfWork, base: str) -> str:
    for round in itertools.count():
        offered = candidates(base, round)
        taken = await uow.products.slugs_taken(offered)
        free = [slug for slug in offered if slug not in taken]
        if free:
            return free[0]
    raise AssertionError("unreachable")


def _taken(taken: SkuTaken, fields: dict[str, str]) -> Duplicate:
    """DUPLICATE on each input field whose sku another product or variant has."""
    problems = [
        Problem(ErrorCode.DUPLICATE, f"sku {quoted(sku)} is taken by another product or variant", fields.get(sku))
        for sku in taken.skus
    ]
    return Duplicate.of(problems)


async def update_product_details(command: UpdateProductDetails, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.update_details(
        expected_version=command.expected_version,
        name=command.name,
        description=command.description,
        brand=command.brand,
        category_path=command.category_path,
        attributes=command.attributes,
        slug=command.slug,
        images=command.images,
        now=uow.now(),
    )
    try:
        return await uow.commit(product)
    except SlugTaken as taken:
        raise _slug_taken(taken) from None


async def change_product_price(command: ChangeProductPrice, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    now = uow.now()
    product.change_price(command.price_amount, command.price_currency, command.expected_version, now, command.sku)
    return await uow.commit(product)


async def discontinue_product(command: DiscontinueProduct, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.discontinue(command.expected_version, uow.now())
    return await uow.commit(product)


async def add_product_variant(command: AddProductVariant, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.add_variant(command.variant, command.expected_version, uow.now())
    try:
        return await uow.commit(product)
    except SkuTaken as taken:
        raise _taken(taken, {product.variants[-1].sku: "variant.sku"}) from None


async def update_product_variant(command: UpdateProductVariant, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.update_variant(
        command.sku,
        options=command.options,
        price=command.price,
        clear_price=command.clear_price,
        expected_version=command.expected_version,
        now=uow.now(),
    )
    return await uow.commit(product)


async def discontinue_product_variant(command: DiscontinueProductVariant, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.discontinue_variant(command.sku, command.expected_version, uow.now())
    return await uow.commit(product)


async def receive_stock(command: ReceiveStock, uow: UnitOfWork) -> Outcome:
    receipt = StockReceipt.checked(command.sku, command.quantity)
    product = await _product_by_sku(uow, receipt.sku)
    product.receive_stock(receipt, uow.now())
    return await uow.commit(product)


async def adjust_stock(command: AdjustStock, uow: UnitOfWork) -> Outcome:
    adjustment = StockAdjustment.checked(command.sku, command.delta, command.reason)
    product = await _product_by_sku(uow, adjustment.sku)
    product.adjust_stock(adjustment, uow.now())
    return await uow.commit(product)


async def place_order(command: PlaceOrder, uow: UnitOfWork) -> Outcome:
    request = OrderRequest.checked(command.customer_id, [(line.sku, line.quantity) for line in command.lines])
    products = await uow.products.lock_by_skus(request.skus)
    order = Order.place(request, products, uow.now())
    uow.orders.add(order)
    return await uow.commit(order)


async def pay_order(command: PayOrder, uow: UnitOfWork) -> Outcome:
    amount = Money.checked("amount", command.amount, command.currency)
    order = await _order(uow, command.order_id)
    order.pay(amount, command.on_behalf_of_customer, uow.now())
    return await uow.commit(order)


async def ship_order(command: ShipOrder, uow: UnitOfWork) -> Outcome:
    order = await _order(uow, command.order_id)
    products = await uow.products.lock_by_skus(order.skus)
    order.ship(products, uow.now())
    return await uow.commit(order)


async def cancel_order(command: CancelOrder, uow: UnitOfWork) -> Outcome:
    reason = cancellation_reason(command.reason)
    order = await _order(uow, command.order_id)
    products = await uow.products.lock_by_skus(order.skus)
    order.cancel(reason, command.on_behalf_of_customer, products, uow.now())
    return await uow.commit(order)


async def register_webhook(command: RegisterWebhook, uow: UnitOfWork) -> Outcome:
    registration = WebhookRegistration.checked(command.url, command.events, command.secret)
    webhook = Webhook.register(registration, uow.now())
    uow.webhooks.add(webhook)
    return await uow.commit(webhook)


async def remove_webhook(command: RemoveWebhook, uow: UnitOfWork) -> Outcome:
    webhook = await uow.webhooks.get(command.webhook_id)
    if webhook is None:
        raise NotFound(f"no webhook with id {quoted(command.webhook_id)}", "webhookId")
    webhook.remove(uow.now())
    return await uow.commit(webhook)


def prechecks(targets: WebhookTargets) -> dict[type[Command], Precheck]:
    """The checks the bus runs before a command's transaction (see `ports.Precheck`)."""

    async def webhook_target_allowed(command: RegisterWebhook) -> None:
        registration = WebhookRegistration.checked(command.url, command.events, command.secret)  # input first
        refusal = await targets.refusal(registration.url)
        if refusal is not None:
            raise ValidationFailed(refusal, "url")

    return {RegisterWebhook: webhook_target_allowed}


COMMAND_HANDLERS: dict[type[Command], Handler] = {
    CreateProduct: create_product,
    UpdateProductDetails: update_product_details,
    ChangeProductPrice: change_product_price,
    DiscontinueProduct: discontinue_product,
    AddProductVariant: add_product_variant,
    UpdateProductVariant: update_product_variant,
    DiscontinueProductVariant: discontinue_product_variant,
    ReceiveStock: receive_stock,
    AdjustStock: adjust_stock,
    PlaceOrder: place_order,
    PayOrder: pay_order,
    ShipOrder: ship_order,
    CancelOrder: cancel_order,
    RegisterWebhook: register_webhook,
    RemoveWebhook: remove_webhook,
}
