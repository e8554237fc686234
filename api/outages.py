"""Store outages as the API meets them: every request a store could not serve gets a typed, retryable answer
(`UNAVAILABLE` with a retry-after hint), and every outage is one log line when it starts and one when it ends
(the worker's `sync.retry.Outage`), never a traceback per request.

The hint grows with the outage: 1 s at first, then half of how long the outage has lasted, at most 30 s, so that
clients back off with a long outage instead of all knocking on a store that is coming back up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError

from domain.model.errors import ErrorCode, Problem
from domain.ports import CommitOutcomeUnknown, StoreUnavailable
from read_index.transport import ReadTransport
from sync.retry import Outage

T = TypeVar("T")

RETRY_AFTER_MIN_SECONDS = 1
RETRY_AFTER_MAX_SECONDS = 30
_BUSY_STATUSES = {429, 502, 503, 504}  # too many requests, a proxy's bad gateway, no shard ready, a timeout


class IndexUnavailable(Exception):
    """Elasticsearch could not answer a query (unreachable, overloaded, no shard ready): ask again later."""

    def __init__(self, retry_after: int) -> None:
        self.message = f"the search index is unavailable; retry in {retry_after} s"
        super().__init__(self.message)
        self.retry_after = retry_after

    def problem(self, field: str | None = None) -> Problem:
        return Problem(ErrorCode.UNAVAILABLE, self.message, field, self.retry_after)


def is_elasticsearch_unavailable(error: BaseException) -> bool:
    if isinstance(error, TransportConnectionError | ConnectionTimeout):
        return True
    return isinstance(error, ApiError) and error.meta.status in _BUSY_STATUSES


def retry_after(outage: Outage) -> int:
    """The hint for a request refused now, during `outage`."""
    lasted = 0.0 if outage.since is None else time.monotonic() - outage.since
    return max(RETRY_AFTER_MIN_SECONDS, min(RETRY_AFTER_MAX_SECONDS, math.ceil(lasted / 2)))


class StoreOutages:
    """The API's view of its two stores, shared by every request of the process."""

    def __init__(self) -> None:
        self.database = Outage("database", meanwhile="answering commands UNAVAILABLE", after="running commands")
        self.elasticsearch = Outage(
            "elasticsearch", meanwhile="answering queries UNAVAILABLE", after="answering queries"
        )

    def command_refused(self, error: StoreUnavailable, *, idempotency_key: bool) -> Problem:
        """The answer to a command the database could not run (`error`), logged once per outage."""
        self.database.failed(error)
        seconds = retry_after(self.database)
        if not isinstance(error, CommitOutcomeUnknown):
            message = f"the database is unavailable and nothing was written; retry in {seconds} s"
        elif idempotency_key:
            message = (
                "the connection to the database was lost while this command was being committed: it may or may not "
                f"have been written. Send it again with the same idempotencyKey in {seconds} s: if it was written, "
                "its first outcome comes back and nothing runs twice"
            )
        else:
            message = (
                "the connection to the database was lost while this command was being committed: it may or may not "
                f"have been written. Read it back before sending it again in {seconds} s, or send commands with an "
                "idempotencyKey, which makes such a retry safe"
            )
        return Problem(ErrorCode.UNAVAILABLE, message, None, seconds)

    def command_ran(self) -> None:
        self.database.recovered()

    async def read(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call`'s answer from Elasticsearch; IndexUnavailable (its outage logged once) when it could not give one."""
        try:
            answer = await call()
        except Exception as error:
            if not is_elasticsearch_unavailable(error):
                raise
            self.elasticsearch.failed(error)
            raise IndexUnavailable(retry_after(self.elasticsearch)) from None
        self.elasticsearch.recovered()
        return answer


class WatchedTransport:
    """A `ReadTransport` whose unavailability is typed and logged once (`StoreOutages.read`)."""

    def __init__(self, transport: ReadTransport, outages: StoreOutages) -> None:
        self._transport = transport
        self._outages = outages

    async def search(self, target: str, body: Mapping[str, Any]) -> Any:
        return await self._outages.read(lambda: self._transport.search(target, body))

    async def get(self, target: str) -> Any | None:
        return await self._outages.read(lambda: self._transport.get(target))
