"""Every mutation is one domain command: parse the input, build the command, dispatch it, map the outcome.

`COMMANDS` (`api.schema.input_commands`) says, per mutation field, how its input becomes a command; the
resolvers and the command path (`api.fastpath.root_plans`, which runs cached mutation documents without
graphql-core's generic execution) both go through `run_command`, so the two behave alike."""

from __future__ import annotations

import time
from typing import Any

import strawberry

from api.auth import AccessDenied
from api.metrics import OK
from api.permissions import authorize_command
from api.schema.context import RequestContext
from api.schema.errors import CommandResult, describe
from api.schema.input_commands import COMMANDS
from api.schema.inputs import (
    AddProductVariantInput,
    AdjustStockInput,
    CancelOrderInput,
    ChangeProductPriceInput,
    CreateProductInput,
    DiscontinueProductInput,
    DiscontinueProductVariantInput,
    PayOrderInput,
    PlaceOrderInput,
    ReceiveStockInput,
    ShipOrderInput,
    UpdateProductDetailsInput,
    UpdateProductVariantInput,
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
