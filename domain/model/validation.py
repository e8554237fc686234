"""Collects every problem of a command's input before refusing it, so a client fixes them in one round."""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.model.errors import ErrorCode, Problem, ValidationFailed

_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f]")
"""Below space, except tab and newline. Only searched for in a text that is not all printable (`str.isprintable`,
a third of the search's time), which every text holding one of them is not: a bulk create checks 27 texts a row."""


class Checks:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, field: str | None, message: str, code: ErrorCode = ErrorCode.VALIDATION) -> None:
        """A problem of the input; `code` is DUPLICATE where the input repeats itself (two variants, one sku)."""
        self.problems.append(Problem(code, message, field))

    def text(
        self,
        field: str,
        value: str | None,
        *,
        max_length: int,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        """Strips the value; an empty optional text becomes None."""
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        stripped = value.strip()
        if not stripped:
            if required:
                self.fail(field, "must not be empty")
            return None
        if len(stripped) > max_length:
            self.fail(field, f"must be at most {max_length} characters")
        elif pattern is not None and not pattern.fullmatch(stripped):
            self.fail(field, "has characters that are not allowed")
        elif not stripped.isprintable() and _CONTROL_CHARACTER.search(stripped):
            self.fail(field, "must not contain control characters")
        return stripped

    def count(self, field: str, items: Sequence[object], *, minimum: int = 0, maximum: int) -> None:
        if len(items) < minimum:
            self.fail(field, f"needs at least {minimum} item(s)")
        elif len(items) > maximum:
            self.fail(field, f"must have at most {maximum} items")

    def integer(self, field: str, value: int, *, minimum: int, maximum: int) -> None:
        if not minimum <= value <= maximum:
            self.fail(field, f"must be between {minimum} and {maximum}")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed.of(self.problems)
