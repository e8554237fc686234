"""What the read side refuses: arguments a caller can fix. Anything else is unexpected and left to propagate."""

from __future__ import annotations


class ReadError(Exception):
    """A query argument the index cannot serve; the message is safe to show to the caller."""


class InvalidCursor(ReadError):
    """The `after` cursor is not one this service issued for the same query, filter and sort, or it expired."""

    def __init__(self, message: str = "is not a cursor of this query") -> None:
        super().__init__(message)
        self.field = "after"
        self.message = message

    @classmethod
    def expired(cls) -> InvalidCursor:
        """The cursor's point in time is gone: unused for longer than the keep-alive, or released."""
        return cls("has expired (cursors stay valid for a while after their page): request the first page again")


class InvalidArgument(ReadError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message
