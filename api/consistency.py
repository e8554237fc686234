"""Read-your-writes: a query given a consistency token waits, bounded, until the index has applied that write.

The sync worker records how far it has applied each partition of the outbox; a token names the positions of a
command's first and last event and the partitions its records are in (older tokens: every partition). Once the
applied position of each of those partitions reaches the last, the documents are in the index (a partition
without new records moves forward to the horizon its reads reach, so it never holds such a read back), unless one of the
command's records was dead-lettered: then the read is refused (WriteNotIndexed) rather than answered with the
state before the write. The worker publishes its unresolved dead letters and their count beside the applied
position, so reads look them up only while there are any. A search also needs the index refreshed to see the
write. Positions seen and refreshes done are remembered, so a burst of reads with tokens costs one refresh, not
one each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection

from api.outages import IndexUnavailable
from domain.outbox import START, ConsistencyToken, OutboxPosition
from sync.applied_position import AppliedState
from sync.published_dead_letters import PublishedDeadLetter

ReadAppliedStates = Callable[[Collection[int]], Awaitable[dict[int, AppliedState]]]
Refresh = Callable[[], Awaitable[object]]
DeadLettersWithin = Callable[[ConsistencyToken], Awaitable[list[PublishedDeadLetter]]]

FIRST_POLL_SECONDS = 0.005
MAX_POLL_SECONDS = 0.1


class NotYetConsistent(Exception):
    """The index has not applied the token's write within the time a read may wait."""


class WriteNotIndexed(Exception):
    """A record of the token's write was dead-lettered: the index cannot show the write until an operator has
    resolved it. The write itself is committed."""

    def __init__(self, letters: list[PublishedDeadLetter]) -> None:
        self.letters = letters
        named = "; ".join(letter.describe() for letter in letters)
        super().__init__(
            f"this write is committed, but the search index refused it and holds an older state: {named}. Reads "
            "with this consistencyToken show it once an operator has fixed the cause and resolved the dead letter "
            "(catalog deadletter retry); a read without a token answers from the index as it is"
        )


class ConsistencyGate:
    """`partitions`: the outbox's partition count, which tokens of every partition (the older ones) wait on."""

    def __init__(
        self,
        applied_states: ReadAppliedStates,
        refresh: Refresh,
        dead_letters_within: DeadLettersWithin,
        *,
        timeout_seconds: float,
        partitions: int = 1,
    ) -> None:
        self._applied_states = applied_states
        self._refresh = refresh
        self._dead_letters_within = dead_letters_within
        self.timeout_seconds = timeout_seconds
        self._partitions = partitions
        self._applied: dict[int, OutboxPosition] = {}  # per partition, the highest applied position seen
        self._visible: dict[int, OutboxPosition] = {}  # per partition: searchable up to here (a refresh began after)
        self._dead_letters: dict[int, int] = {}  # per partition, unresolved, as the applied state read last said

    async def wait(self, token: str | None, *, search: bool) -> None:
        """Returns once a read of this token's write is safe; `search`: the read is a search, not a get by id.

        Raises domain.outbox.InvalidToken for a malformed token, NotYetConsistent on timeout, WriteNotIndexed when
        a record of the write was dead-lettered, and api.outages.IndexUnavailable when the index could not be read.
        """
        if token is None:
            return
        wanted = ConsistencyToken.parse(token)
        partitions = self._needed(wanted)
        target = wanted.last
        seen = self._visible if search else self._applied
        applied = None
        if any(target > seen.get(partition, START) for partition in partitions):
            applied = await self._wait_until_applied(target, partitions)
        if any(self._dead_letters.get(partition, 0) for partition in partitions):
            letters = await self._dead_letters_within(wanted)
            if letters:
                raise WriteNotIndexed(letters)
        if search and applied is not None:
            await self._refresh()
            for partition, position in applied.items():
                self._visible[partition] = max(self._visible.get(partition, START), position)

    def _needed(self, token: ConsistencyToken) -> list[int]:
        """The partitions the token's records are in; every one for an older token, or for one naming partitions
        the outbox no longer has (issued before a repartition, which left every partition past it)."""
        if token.partitions is None or max(token.partitions) >= self._partitions:
            return list(range(self._partitions))
        return sorted(token.partitions)

    async def _wait_until_applied(self, target: OutboxPosition, partitions: list[int]) -> dict[int, OutboxPosition]:
        """Polls until each partition's applied position reaches `target`. An index that cannot answer
        (IndexUnavailable: a blip, a shard not ready yet) is waited out too; if it still cannot at the deadline,
        that is the answer."""
        deadline = time.monotonic() + self.timeout_seconds
        delay = FIRST_POLL_SECONDS
        while True:
            unavailable = None
            try:
                states = await self._applied_states(partitions)
            except IndexUnavailable as error:
                unavailable, states = error, {}
            applied = dict.fromkeys(partitions, START)
            for partition, state in states.items():
                applied[partition] = state.position
                self._dead_letters[partition] = state.dead_letters
                self._applied[partition] = max(self._applied.get(partition, START), state.position)
            if min(applied.values()) >= target:
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
