"""What start-up raises for a problem the operator can fix: one line that names what failed (and never a secret),
and whether the configuration is at fault (`StartupError`) or a store did not answer (`StoreUnavailable`)."""

from __future__ import annotations

from api.store_errors import store_trouble


class StartupError(Exception):
    """A problem the operator can fix, in one line that names what failed (and never a secret)."""


class StoreUnavailable(StartupError):
    """A store did not answer at start-up: the configuration may well be right (start the store, or wait)."""

    def __init__(self, message: str, store: str) -> None:
        super().__init__(message)
        self.store = store


def startup_failure(message: str, error: BaseException, store: str) -> StartupError:
    """`StoreUnavailable` when `error` says the store did not answer, else `StartupError` (the configuration)."""
    trouble = store_trouble(error)
    if trouble is not None and trouble.unavailable:
        return StoreUnavailable(message, store)
    return StartupError(message)
