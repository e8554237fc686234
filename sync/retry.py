"""Capped exponential backoff with jitter, and one log line per outage instead of one per retry."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

from elastic_transport import TransportError
from elasticsearch import ApiError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

T = TypeVar("T")

DATABASE_ERRORS: tuple[type[BaseException], ...] = (DBAPIError, PoolTimeout, OSError)
ELASTICSEARCH_ERRORS: tuple[type[BaseException], ...] = (ApiError, TransportError)


class Interrupted(Exception):
    """The worker was told to stop (or lost its lease) while waiting; the unfinished batch is left for later."""


class OutageTooLong(Exception):
    """A store has not answered for longer than its `Outage` may wait (`SyncOptions.give_up_after_seconds`)."""

    def __init__(self, store: str, seconds: float, error: str) -> None:
        name = {"database": "the database", "elasticsearch": "Elasticsearch"}.get(store, store)
        super().__init__(f"{name} has not answered for {seconds:.0f} s, the most this command waits: {error}")
        self.store = store


class Backoff:
    """Delays of base * 2**n, capped, each drawn from [delay/2, delay] so that workers do not retry in step."""

    def __init__(self, base: float, cap: float) -> None:
        self._base = base
        self._cap = cap
        self.attempts = 0

    def next_delay(self) -> float:
        delay = jittered_delay(self._base, self._cap, self.attempts)
        self.attempts += 1
        return delay


def jittered_delay(base: float, cap: float, attempts: int) -> float:
    """The delay after `attempts` earlier tries: base * 2**attempts, capped, drawn from [delay/2, delay]."""
    delay = min(cap, base * 2 ** min(attempts, 32))
    return random.uniform(delay / 2, delay)


async def pause(seconds: float, halt: asyncio.Event) -> None:
    """Sleeps, but raises `Interrupted` as soon as `halt` is set."""
    if halt.is_set():
        raise Interrupted
    with suppress(TimeoutError):
        await asyncio.wait_for(halt.wait(), seconds)
    if halt.is_set():
        raise Interrupted


async def sleep_or_halt(seconds: float, halt: asyncio.Event) -> None:
    """Sleeps like `pause`, but returns early instead of raising once `halt` is set."""
    with suppress(Interrupted):
        await pause(seconds, halt)


async def any_set(*events: asyncio.Event) -> None:
    """Waits until one of `events` is set (bound it with `asyncio.timeout`)."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class Outage:
    """Tracks whether a store answers. Logs one warning when it stops and one line when it answers again, each
    saying what its user does then (the worker retries and catches up; the API answers UNAVAILABLE meanwhile).

    With `give_up_after` seconds, a failure that many seconds or more into the outage raises `OutageTooLong`
    (a command waits, bounded; the live worker waits as long as it takes)."""

    def __init__(
        self,
        store: str,
        give_up_after: float | None = None,
        *,
        meanwhile: str | None = None,
        after: str = "catching up",
    ) -> None:
        self.store = store
        self.give_up_after = give_up_after
        if meanwhile is None:
            bounded = give_up_after is not None
            meanwhile = (
                f"waiting up to {give_up_after:.0f} s for it" if bounded else "retrying with capped exponential backoff"
            )
        self._meanwhile = meanwhile
        self._after = after
        self.since: float | None = None
        self.retries = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException | str) -> None:
        self.retries += 1
        now = time.monotonic()
        if self.since is None:
            self.since = now
            log.warning(
                "event=store_unavailable store=%s error=%r action=%s", self.store, _short(error), self._meanwhile
            )
        elif self.give_up_after is not None and now - self.since >= self.give_up_after:
            raise OutageTooLong(self.store, now - self.since, _short(error))

    def recovered(self) -> None:
        if self.since is not None:
            log.warning(
                "event=store_available store=%s outage_seconds=%.1f retries=%d action=%s",
                self.store,
                time.monotonic() - self.since,
                self.retries,
                self._after,
            )
        self.since = None
        self.retries = 0


def _short(error: BaseException | str, limit: int = 300) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    errors: tuple[type[BaseException], ...],
    outage: Outage,
    halt: asyncio.Event,
    base: float,
    cap: float,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Runs `call` until it succeeds, backing off after each of `errors`; the first try happens even when halted
    (a final checkpoint write on the way out), later ones raise `Interrupted` once `halt` is set."""
    backoff = Backoff(base, cap)
    while True:
        try:
            result = await call()
        except errors as error:
            outage.failed(error)
            if on_retry is not None:
                on_retry()
            await pause(backoff.next_delay(), halt)
        else:
            outage.recovered()
            return result
