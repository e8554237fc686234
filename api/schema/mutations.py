"""Every mutation is one domain command: parse the input, build the command, dispatch it, map the outcome."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from api.auth import AccessDenied, authorize_command
from api.schema.context import RequestContext
from api.schema.errors import CommandResult
from api.schema.inputs import (
    AdjustStockInput,
    AttributeInput,
    CancelOrderInput,
    ChangeProductPriceInput,
    CreateProductInput,
    DiscontinueProductInput,
    PayOrderInput,
    PlaceOrderInput,
    ReceiveStockInput,
    ShipOrderInput,
    UpdateProductDetailsInput,
)
from domain.bus import CommandContext
from domain.model import commands, limits
from domain.model.errors import DomainError, ErrorCode, Problem

Info = strawberry.Info[RequestContext, None]


async def dispatch(info: Info, command: commands.Command, idempotency_key: str | None) -> CommandResult:
    """Authorize, dispatch, and turn the outcome or the refusal into a CommandResult."""
    context = info.context
    try:
        caller = context.caller()
        command = authorize_command(caller, command)
    except AccessDenied as denied:
        return CommandResult.refused([Problem(denied.code, denied.message, denied.field)])
    if idempotency_key is not None and not 0 < len(idempotency_key) <= limits.IDEMPOTENCY_KEY_MAX:
        message = f"must be 1 to {limits.IDEMPOTENCY_KEY_MAX} characters"
        return CommandResult.refused([Problem(ErrorCode.VALIDATION, message, "idempotencyKey")])
    try:
        outcome = await context.backends.bus.dispatch(command, CommandContext(caller.subject, idempotency_key))
    except DomainError as error:
        return CommandResult.refused(error.problems)
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


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_product(self, info: Info, input: CreateProductInput) -> CommandResult:
        command = commands.CreateProduct(
            sku=input.sku,
            name=input.name,
            description=input.description,
            brand=input.brand,
            category_path=tuple(input.category_path or ()),
            price_amount=input.price.amount,
            price_currency=input.price.currency,
            attributes=_attributes(input.attributes or ()),
        )
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def update_product_details(self, info: Info, input: UpdateProductDetailsInput) -> CommandResult:
        command = commands.UpdateProductDetails(
            product_id=input.product_id,
            expected_version=input.expected_version,
            name=input.name,
            description=input.description,
            brand=input.brand,
            category_path=_optional_tuple(input.category_path),
            attributes=None if input.attributes is None else _attributes(input.attributes),
        )
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def change_product_price(self, info: Info, input: ChangeProductPriceInput) -> CommandResult:
        command = commands.ChangeProductPrice(
            product_id=input.product_id,
            expected_version=input.expected_version,
            price_amount=input.price.amount,
            price_currency=input.price.currency,
        )
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def discontinue_product(self, info: Info, input: DiscontinueProductInput) -> CommandResult:
        command = commands.DiscontinueProduct(product_id=input.product_id, expected_version=input.expected_version)
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def receive_stock(self, info: Info, input: ReceiveStockInput) -> CommandResult:
        command = commands.ReceiveStock(sku=input.sku, quantity=input.quantity)
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def adjust_stock(self, info: Info, input: AdjustStockInput) -> CommandResult:
        command = commands.AdjustStock(sku=input.sku, delta=input.delta, reason=input.reason)
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def place_order(self, info: Info, input: PlaceOrderInput) -> CommandResult:
        lines = tuple(commands.OrderLineRequest(sku=line.sku, quantity=line.quantity) for line in input.lines)
        command = commands.PlaceOrder(customer_id=input.customer_id, lines=lines)
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def pay_order(self, info: Info, input: PayOrderInput) -> CommandResult:
        command = commands.PayOrder(order_id=input.order_id, amount=input.amount.amount, currency=input.amount.currency)
        return await dispatch(info, command, input.idempotency_key)

    @strawberry.mutation
    async def ship_order(self, info: Info, input: ShipOrderInput) -> CommandResult:
        return await dispatch(info, commands.ShipOrder(order_id=input.order_id), input.idempotency_key)

    @strawberry.mutation
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> CommandResult:
        command = commands.CancelOrder(order_id=input.order_id, reason=input.reason)
        return await dispatch(info, command, input.idempotency_key)
