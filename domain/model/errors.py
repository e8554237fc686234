"""Domain errors: every refusal carries a stable code and, where it applies, the offending input path."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Self


class ErrorCode(StrEnum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    CONFLICT = "CONFLICT"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    INVALID_STATE = "INVALID_STATE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"  # reserved: in the contract, not produced yet (docs/commands.md)
    UNAVAILABLE = "UNAVAILABLE"
    """A store could not serve the request now (down, restarting, overloaded): send it again after `retryAfter`."""
    INTERNAL = "INTERNAL"


@dataclass(frozen=True, slots=True)
class Problem:
    code: ErrorCode
    message: str
    field: str | None = None
    retry_after: int | None = None
    """Seconds to wait before sending the same request again (UNAVAILABLE only)."""


class DomainError(Exception):
    """A command was refused. Nothing it would have changed is written."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = (Problem(self.code, message, field),)

    @classmethod
    def of(cls, problems: list[Problem]) -> Self:
        """One refusal reporting several problems (each with its own code and field) at once."""
        error = cls(problems[0].message, problems[0].field)
        error.problems = tuple(problems)
        return error


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Duplicate(DomainError):
    code = ErrorCode.DUPLICATE


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class InsufficientStock(DomainError):
    code = ErrorCode.INSUFFICIENT_STOCK


class InvalidState(DomainError):
    code = ErrorCode.INVALID_STATE


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN
