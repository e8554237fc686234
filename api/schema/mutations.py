"""Every mutation is one domain command: parse the input, build the command, dispatch it, map the outcome.

`COMMANDS` says, per mutation field, how its input becomes a command; the resolvers and the command path
(`api.fastpath.command_plans`, which runs cached mutation documents without graphql-core's generic execution)
both go through `run_command`, so the two behave alike."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import strawberry

from api.auth import AccessDenied
from api.metrics import OK
from api.permissions import authorize_command
from api.schema.context import RequestContext
from api.schema.errors import CommandResult, describe
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
from domain.bus import CommandContext
from domain.model import commands, input_limits
from domain.model.errors import DomainError, ErrorCode, Problem
from domain.ports import StoreUnavailable

Info = strawberry.Info[RequestContext, None]


def admitted(
    context: RequestContext, command: commands.Command, idempotency_key: str | None
) -> tuple[commands.Command, CommandContext] | Problem:
    """The command as this caller may send it and its context, or why it is refused before it runs."""
    try:
        caller = context.caller()
        command = authorize_command(caller, command)
    except AccessDenied as denied:
        return Problem(denied.code, denied.message, denied.field)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= input_limits.IDEMPOTENCY_KEY_MAX:
        message = f"must be 1 to {input_limits.IDEMPOTENCY_KEY_MAX} characters"
        return Problem(ErrorCode.VALIDATION, message, "idempotencyKey")
    return command, CommandContext(caller.subject, idempotency_key)


async def dispatch(context: RequestContext, command: commands.Command, idempotency_key: str | None) -> CommandResult:
    """Authorize, dispatch, and turn the outcome or the refusal into a CommandResult."""
    admission = admitted(context, command, idempotency_key)
    if isinstance(admission, Problem):
        return CommandResult.refused([admission])
    try:
        outcome = await context.backends.bus.dispatch(*admission)
    except DomainError as error:
        return CommandResult.refused(error.problems)
    except StoreUnavailable as error:
        refusal = context.backends.outages.command_refused(error, idempotency_key=idempotency_key is not None)
        return CommandResult.refused([refusal])
    context.backends.outages.command_ran()
    return CommandResult(
        ok=True,
        aggregate_id=strawberry.ID(outcome.aggregate_id),
        version=outcome.version,
        consistency_token=outcome.consistency_token,
    )


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


async def run_command(context: RequestContext, field: str, input: Any) -> CommandResult:
    """The mutation `field` with its `input`; counted and timed by mutation and outcome (`api.metrics`)."""
    started = time.perf_counter()
    outcome = ErrorCode.INTERNAL.value
    try:
        result = await dispatch(context, COMMANDS[field](input), input.idempotency_key)
        outcome = result.errors[0].code.value if result.errors else OK
        return result
    except Exception as error:
        problem = describe(error)  # a refusal raised rather than returned is shown typed at the edge
        outcome = problem.code.value if problem is not None else outcome
        raise
    finally:
        context.backends.commands.observe(field, outcome, time.perf_counter() - started)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_product(self, info: Info, input: CreateProductInput) -> CommandResult:
        return await run_command(info.context, "createProduct", input)

    @strawberry.mutation
    async def update_product_details(self, info: Info, input: UpdateProductDetailsInput) -> CommandResult:
        return await run_command(info.context, "updateProductDetails", input)

    @strawberry.mutation
    async def change_product_price(self, info: Info, input: ChangeProductPriceInput) -> CommandResult:
        return await run_command(info.context, "changeProductPrice", input)

    @strawberry.mutation
    async def discontinue_product(self, info: Info, input: DiscontinueProductInput) -> CommandResult:
        return await run_command(info.context, "discontinueProduct", input)

    @strawberry.mutation
    async def add_product_variant(self, info: Info, input: AddProductVariantInput) -> CommandResult:
        return await run_command(info.context, "addProductVariant", input)

    @strawberry.mutation
    async def update_product_variant(self, info: Info, input: UpdateProductVariantInput) -> CommandResult:
        return await run_command(info.context, "updateProductVariant", input)

    @strawberry.mutation
    async def discontinue_product_variant(self, info: Info, input: DiscontinueProductVariantInput) -> CommandResult:
        return await run_command(info.context, "discontinueProductVariant", input)

    @strawberry.mutation
    async def receive_stock(self, info: Info, input: ReceiveStockInput) -> CommandResult:
        return await run_command(info.context, "receiveStock", input)

    @strawberry.mutation
    async def adjust_stock(self, info: Info, input: AdjustStockInput) -> CommandResult:
        return await run_command(info.context, "adjustStock", input)

    @strawberry.mutation
    async def place_order(self, info: Info, input: PlaceOrderInput) -> CommandResult:
        return await run_command(info.context, "placeOrder", input)

    @strawberry.mutation
    async def pay_order(self, info: Info, input: PayOrderInput) -> CommandResult:
        return await run_command(info.context, "payOrder", input)

    @strawberry.mutation
    async def ship_order(self, info: Info, input: ShipOrderInput) -> CommandResult:
        return await run_command(info.context, "shipOrder", input)

    @strawberry.mutation
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> CommandResult:
        return await run_command(info.context, "cancelOrder", input)

    @strawberry.mutation
    async def register_webhook(self, info: Info, input: RegisterWebhookInput) -> CommandResult:
        return await run_command(info.context, "registerWebhook", input)

    @strawberry.mutation
    async def remove_webhook(self, info: Info, input: RemoveWebhookInput) -> CommandResult:
        return await run_command(info.context, "removeWebhook", input)
