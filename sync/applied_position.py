"""The position the worker has applied, recorded in Elasticsearch for the query side, with how many dead letters
are unresolved.

Queries never read the SQL database, so a reader that holds a consistency token (a command's outbox positions)
waits on this record instead: one small document per subscription in the index ``<prefix>-sync-state``::

    GET <prefix>-sync-state/_doc/<subscription>   (realtime)
    {"txid": 0, "sequence": 1234, "token": "c1.0.1234", "dead_letters": 0, "updated_at": "2026-01-01T00:00:00+00:00"}

Every record at or below that position is indexed (and, by default, searchable), except the dead letters: while
`dead_letters` is not 0, a reader looks its token's positions up among them (`sync.published_dead_letters`). The
worker writes the document after Elasticsearch acknowledged a batch (and after publishing the batch's dead
letters), with optimistic concurrency so that the position never moves backwards, even when a stale worker that
lost its lease writes late; `catalog deadletter retry` rewrites the count alone, the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, ConflictError, NotFoundError

from domain.outbox import START, OutboxPosition
from sync.options import SUBSCRIPTION
from sync.state_index import state_index

Recount = Callable[[], Awaitable[int]]
"""Counts the subscription's unresolved dead letters in the database, the truth the document's count follows."""


@dataclass(frozen=True, slots=True)
class AppliedState:
    position: OutboxPosition
    dead_letters: int = 0
    """Unresolved dead letters of the subscription, as of the last write of the document."""


@dataclass(frozen=True, slots=True)
class _Known:
    state: AppliedState
    seq_no: int
    primary_term: int


def _state(source: dict[str, Any]) -> AppliedState:
    position = OutboxPosition(int(source["txid"]), int(source["sequence"]))
    return AppliedState(position, int(source.get("dead_letters", 0)))


async def applied_state(client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION) -> AppliedState:
    """What the worker has applied (START if nothing yet), and the dead letters left. A realtime get."""
    try:
        response = await client.get(index=state_index(prefix), id=subscription, realtime=True)
    except NotFoundError:
        return AppliedState(START)
    return _state(response["_source"])


async def applied_position(client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION) -> OutboxPosition:
    return (await applied_state(client, prefix, subscription)).position


class AppliedPositionRecorder:
    """Writes the applied position, only ever forwards, and the dead-letter count (compare-and-set on the
    document's sequence number: a write that lost a race reads the document again and decides again)."""

    def __init__(self, client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION) -> None:
        self._client = client
        self._index = state_index(prefix)
        self._subscription = subscription
        self._known: _Known | None = None

    async def record(self, position: OutboxPosition, recount: Recount | None = None) -> None:
        """Records `position` unless the document is at or past it already; with `recount` (dead letters were
        added), also the count it gives, counted after each read of the document so that the last write always
        carries a count at least as new as every letter written before it."""
        await self._update(position, recount, create=True)

    async def recount(self, recount: Recount) -> None:
        """Rewrites the dead-letter count alone (a retry resolved some); nothing when no position is recorded."""
        await self._update(START, recount, create=False)

    async def _update(self, position: OutboxPosition, recount: Recount | None, *, create: bool) -> None:
        while True:
            if self._known is None:
                self._known = await self._read()
            known = self._known.state if self._known is not None else None
            if known is None and not create:
                return
            dead_letters = await recount() if recount is not None else (known.dead_letters if known else 0)
            target = AppliedState(max(position, known.position) if known else position, dead_letters)
            if known == target:
                return
            try:
                await self._write(target)
                return
            except ConflictError:
                self._known = None  # someone else wrote it: read again and decide again

    async def _read(self) -> _Known | None:
        try:
            response = await self._client.get(index=self._index, id=self._subscription, realtime=True)
        except NotFoundError:
            return None
        return _Known(_state(response["_source"]), response["_seq_no"], response["_primary_term"])

    async def _write(self, state: AppliedState) -> None:
        document = {
            "txid": state.position.txid,
            "sequence": state.position.sequence,
            "token": state.position.token(),
            "dead_letters": state.dead_letters,
            "updated_at": datetime.now(UTC).isoformat(),
        }
        if self._known is None:
            response = await self._client.index(
                index=self._index, id=self._subscription, document=document, op_type="create"
            )
        else:
            response = await self._client.index(
                index=self._index,
                id=self._subscription,
                document=document,
                if_seq_no=self._known.seq_no,
                if_primary_term=self._known.primary_term,
            )
        self._known = _Known(state, response["_seq_no"], response["_primary_term"])
