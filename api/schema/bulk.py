"""Bulk mutations: many rows of one command in one request, answered row by row (domain/batches.py runs them).

Each row goes the way of the single mutation (`mutations.COMMANDS`, `mutations.admitted`): the same command, the
same authorization (a row the caller may not send is that row's FORBIDDEN) and the same idempotency key rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from api.schema.context import RequestContext
from api.schema.errors import QueryRefused, UserError
from api.schema.input_commands import COMMANDS
from api.schema.inputs import ChangeProductPriceInput, CreateProductInput, ReceiveStockInput
from api.schema.mutations import admitted
from domain.batches import BatchRow, ErrorPolicy, RowAnswer, RowRefused
from domain.bus import MessageBus
from domain.model.errors import DomainError, ErrorCode, Problem
from domain.outbox import ConsistencyToken
from domain.ports import Outcome, StoreUnavailable

Info = strawberry.Info[RequestContext, None]

BULK_MUTATIONS = {
    "bulkCreateProducts": "createProduct",
    "bulkReceiveStock": "receiveStock",
    "bulkChangeProductPrices": "changeProductPrice",
}
"""Bulk mutation field -> the single mutation each of its rows is."""

BulkErrorPolicy = strawberry.enum(ErrorPolicy, name="BulkErrorPolicy")


@strawberry.type
class BulkRowResult:
    index: int = strawberry.field(description="Position of the row in inputs, from 0.")
    ok: bool
    aggregate_id: strawberry.ID | None = None
    version: int | None = None
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Field paths are relative to the row, e.g. 'price.amount'."
    )


@strawberry.type
class BulkResult:
    ok: bool = strawberry.field(description="True when every row was written.")
    written: int
    rows: list[BulkRowResult]
    consistency_token: str | None = strawberry.field(default=None, description="Covers every written row.")


async def run_bulk(
    context: RequestContext, field: str, inputs: Sequence[Any], policy: ErrorPolicy | None
) -> BulkResult:
    bus = context.backends.bus
    if len(inputs) > bus.max_batch_rows:
        message = f"at most {bus.max_batch_rows} rows in one request, not {len(inputs)}"
        raise QueryRefused(ErrorCode.VALIDATION, message, "inputs")
    rows: list[BatchRow | DomainError] = []
    for input in inputs:
        admission = admitted(context, COMMANDS[field](input), input.idempotency_key)
        rows.append(RowRefused([admission]) if isinstance(admission, Problem) else MessageBus.row(*admission))
    answers = await bus.dispatch_rows(rows, policy or ErrorPolicy.REJECT_FAILED_ROWS)
    results = [_row_result(context, index, answer, inputs[index]) for index, answer in enumerate(answers)]
    written = [answer for answer in answers if isinstance(answer, Outcome)]
    if written:
        context.backends.outages.command_ran()
    return BulkResult(
        ok=len(written) == len(answers),
        written=len(written),
        rows=results,
        consistency_token=covering_token(written),
    )


def covering_token(outcomes: list[Outcome]) -> str | None:
    """A token covering every written row (`ConsistencyToken.covering`): from the first row's first position to the
    last row's last, and the partitions of all of them."""
    tokens = [ConsistencyToken.parse(outcome.consistency_token) for outcome in outcomes if outcome.consistency_token]
    covering = ConsistencyToken.covering(tokens)
    return covering.text() if covering is not None else None


def _row_result(context: RequestContext, index: int, answer: RowAnswer, input: Any) -> BulkRowResult:
    if isinstance(answer, Outcome):
        return BulkRowResult(
            index=index, ok=True, aggregate_id=strawberry.ID(answer.aggregate_id), version=answer.version
        )
    problems: Sequence[Problem] = ()
    if isinstance(answer, DomainError):
        problems = answer.problems
    elif isinstance(answer, StoreUnavailable):
        keyed = input.idempotency_key is not None
        problems = [context.backends.outages.command_refused(answer, idempotency_key=keyed)]
    errors = [UserError(code=p.code, field=p.field, message=p.message) for p in problems]
    return BulkRowResult(index=index, ok=False, errors=errors)


@strawberry.type
class BulkMutation:
    @strawberry.mutation
    async def bulk_create_products(
        self,
        info: Info,
        inputs: list[CreateProductInput],
        error_policy: ErrorPolicy | None = ErrorPolicy.REJECT_FAILED_ROWS,
    ) -> BulkResult:
        return await run_bulk(info.context, BULK_MUTATIONS["bulkCreateProducts"], inputs, error_policy)

    @strawberry.mutation
    async def bulk_receive_stock(
        self,
        info: Info,
        inputs: list[ReceiveStockInput],
        error_policy: ErrorPolicy | None = ErrorPolicy.REJECT_FAILED_ROWS,
    ) -> BulkResult:
        return await run_bulk(info.context, BULK_MUTATIONS["bulkReceiveStock"], inputs, error_policy)

    @strawberry.mutation
    async def bulk_change_product_prices(
        self,
        info: Info,
        inputs: list[ChangeProductPriceInput],
        error_policy: ErrorPolicy | None = ErrorPolicy.REJECT_FAILED_ROWS,
    ) -> BulkResult:
        return await run_bulk(info.context, BULK_MUTATIONS["bulkChangeProductPrices"], inputs, error_policy)
