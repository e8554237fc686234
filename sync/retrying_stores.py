"""Calls to the two stores, each retried with capped backoff until it succeeds, `halt` is set or (a rebuild) the
outage lasts too long, with one log line per outage; the live worker counts every retry by store
(`catalog_sync_retries_total{store}`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sync.options import SyncOptions
from sync.retry import DATABASE_ERRORS, ELASTICSEARCH_ERRORS, Outage, retrying

T = TypeVar("T")


class RetryingStores:
    """Owns each store's `Outage` and retry counter, which the worker hands on to its pipeline and deliverer too:
    one outage per store, logged once, whoever meets it."""

    def __init__(self, engine: AsyncEngine, options: SyncOptions, retries: Counter | None = None) -> None:
        self._engine = engine
        self._base = options.backoff_base_seconds
        self._cap = options.backoff_cap_seconds
        self.database_outage = Outage("database", options.give_up_after_seconds)
        self.elasticsearch_outage = Outage("elasticsearch", options.give_up_after_seconds)
        self.count_database_retry: Callable[[], None] | None = None
        self.count_elasticsearch_retry: Callable[[], None] | None = None
        if retries is not None:
            self.count_database_retry = retries.labels("database").inc
            self.count_elasticsearch_retry = retries.labels("elasticsearch").inc

    async def database(
        self, call: Callable[[AsyncConnection], Awaitable[T]], halt: asyncio.Event, *, write: bool = False
    ) -> T:
        """`call` on a connection of its own: in a transaction committed at its end if `write`."""

        async def once() -> T:
            if write:
                async with self._engine.begin() as connection:
                    return await call(connection)
            async with self._engine.connect() as connection:
                return await call(connection)

        return await retrying(
            once,
            errors=DATABASE_ERRORS,
            outage=self.database_outage,
            halt=halt,
            base=self._base,
            cap=self._cap,
            on_retry=self.count_database_retry,
        )

    async def elasticsearch(self, call: Callable[[], Awaitable[T]], halt: asyncio.Event) -> T:
        return await retrying(
            call,
            errors=ELASTICSEARCH_ERRORS,
            outage=self.elasticsearch_outage,
            halt=halt,
            base=self._base,
            cap=self._cap,
            on_retry=self.count_elasticsearch_retry,
        )
