"""Read-your-writes: a query given a consistency token waits, bounded, until the index has applied that write.

The sync worker records how far it has applied the outbox; a token names the position of a command's last
event. Once the applied position reaches it, the document is in the index; a search also needs the index
refreshed to see it. Positions seen and refreshes done are remembered, so a burst of reads with tokens costs
one refresh, not one each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from api.outages import IndexUnavailable
from domain.outbox import START, OutboxPosition

AppliedPosition = Callable[[], Awaitable[OutboxPosition]]
Refresh = Callable[[], Awaitable[object]]

FIRST_POLL_SECONDS = 0.005
MAX_POLL_SECONDS = 0.1


class NotYetConsistent(Exception):
    """The index has not applied the token's write within the time a read may wait."""


class ConsistencyGate:
    def __init__(self, applied_position: AppliedPosition, refresh: Refresh, timeout_seconds: float) -> None:
        self._applied_position = applied_position
        self._refresh = refresh
        self.timeout_seconds = timeout_seconds
        self._applied = START  # the highest applied position seen
        self._visible = START  # every write up to here is searchable: a refresh began after it was applied

    async def wait(self, token: str | None, *, search: bool) -> None:
        """Returns once a read of this token's write is safe; `search`: the read is a search, not a get by id.

        Raises domain.outbox.InvalidToken for a malformed token, NotYetConsistent on timeout, and
        api.outages.IndexUnavailable when the index could not be read.
        """
        if token is None:
            return
        target = OutboxPosition.parse_token(token)
        if target <= (self._visible if search else self._applied):
            return
        applied = await self._wait_until_applied(target)
        if search:
            await self._refresh()
            self._visible = max(self._visible, applied)

    async def _wait_until_applied(self, target: OutboxPosition) -> OutboxPosition:
        """Polls until the applied position reaches `target`. An index that cannot answer (IndexUnavailable: a
        blip, a shard not ready yet) is waited out too; if it still cannot at the deadline, that is the answer."""
        deadline = time.monotonic() + self.timeout_seconds
        delay = FIRST_POLL_SECONDS
        while True:
            unavailable = None
            try:
                applied = await self._applied_position()
            except IndexUnavailable as error:
                unavailable, applied = error, START
            self._applied = max(self._applied, applied)
            if applied >= target:
                return applied
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if unavailable is not None:
                    raise unavailable
                raise NotYetConsistent(
                    f"the index has not caught up with this consistencyToken within {self.timeout_seconds:g} s; "
                    "retry the query"
                )
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_POLL_SECONDS)
