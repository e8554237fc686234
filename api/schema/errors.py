"""Errors as data: mutations return typed UserErrors; queries raise QueryRefused, shown with extensions.code."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from api.auth import AccessDenied
from api.outages import IndexUnavailable
from domain.model.errors import DomainError, ErrorCode, Problem
from read_index.errors import ReadError

strawberry.enum(ErrorCode, name="ErrorCode", description="Stable codes of every refusal.")


class QueryRefused(Exception):
    """A query the service refuses for a reason the caller can act on; shown as a GraphQL error with
    `extensions: {code, field}`. Anything else raised in a resolver is unexpected and masked."""

    def __init__(
        self, code: ErrorCode, message: str, field: str | None = None, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


@strawberry.type
class UserError:
    code: ErrorCode
    field: str | None = strawberry.field(
        description="Input path of the offending field, e.g. 'price.amount' or 'lines.2.quantity'; "
        "null when not field-specific."
    )
    message: str


@strawberry.type
class CommandResult:
    ok: bool
    aggregate_id: strawberry.ID | None = None
    version: int | None = strawberry.field(default=None, description="Version of the aggregate after the command.")
    consistency_token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
    retry_after: int | None = strawberry.field(
        default=None,
        description="Seconds to wait before sending the command again: set with an UNAVAILABLE error (a store could "
        "not run it), null otherwise.",
    )

    @classmethod
    def refused(cls, problems: Iterable[Problem]) -> CommandResult:
        problems = list(problems)
        hints = [p.retry_after for p in problems if p.retry_after is not None]
        errors = [UserError(code=p.code, field=p.field, message=p.message) for p in problems]
        return cls(ok=False, errors=errors, retry_after=max(hints) if hints else None)


def describe(error: BaseException) -> Problem | None:
    """The code, field and message of an expected refusal raised by a resolver; None for the unexpected."""
    if isinstance(error, QueryRefused):
        return Problem(error.code, error.message, error.field, error.retry_after)
    if isinstance(error, AccessDenied):
        return Problem(error.code, error.message, error.field)
    if isinstance(error, IndexUnavailable):
        return error.problem()
    if isinstance(error, ReadError):
        return Problem(ErrorCode.VALIDATION, getattr(error, "message", str(error)), getattr(error, "field", None))
    if isinstance(error, DomainError):
        return error.problems[0]
    return None
