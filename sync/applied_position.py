"""The position the worker has applied, recorded in Elasticsearch for the query side, with how many dead letters
are unresolved.

Queries never read the SQL database, so a reader that holds a consistency token (a command's outbox positions)
waits on this record instead: one small document per subscription and partition in the index
``<prefix>-sync-state`` (id: the subscription's name for partition 0, as before partitions; `<name>.p<N>` for
partition N)::

    GET <prefix>-sync-state/_doc/<subscription>   (realtime)
    {"txid": 0, "sequence": 1234, "token": "c1.0.1234", "dead_letters": 0, "updated_at": "2026-01-01T00:00:00+00:00"}

Every record of the partition at or below that position is indexed (and, by default, searchable), except the
dead letters: while `dead_letters` is not 0, a reader looks its token's positions up among them
(`sync.published_dead_letters`). The worker writes the document after Elasticsearch acknowledged a batch (and
after publishing the batch's dead letters), with optimistic concurrency so that the position never moves
backwards, even when a stale worker that lost its lease writes late; `catalog deadletter retry` rewrites the
count alone, the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
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
    """Unresolved dead letters of the subscription's partition, as of the last write of the document."""


@dataclass(frozen=True, slots=True)
class _Known:
    state: AppliedState
    seq_no: int
    primary_term: int


def _state(source: dict[str, Any]) -> AppliedState:
    position = OutboxPosition(int(source["txid"]), int(source["sequence"]))
    return AppliedState(position, int(source.get("dead_letters", 0)))


def applied_document_id(subscription: str, partition: int) -> str:
    return subscription if partition == 0 else f"{subscription}.p{partition}"


async def applied_state(
    client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION, partition: int = 0
) -> AppliedState:
    """What the worker has applied of a partition (START if nothing yet), and its dead letters left. Realtime."""
    return (await applied_states(client, prefix, [partition], subscription))[partition]


async def applied_states(
    client: AsyncElasticsearch, prefix: str, partitions: Iterable[int], subscription: str = SUBSCRIPTION
) -> dict[int, AppliedState]:
    """`applied_state` of several partitions in one realtime `_mget`."""
    wanted = sorted(set(partitions))
    ids = [applied_document_id(subscription, partition) for partition in wanted]
    try:
        response = await client.mget(index=state_index(prefix), ids=ids, realtime=True)
    except NotFoundError:  # no state index yet
        return dict.fromkeys(wanted, AppliedState(START))
    return {
        partition: _state(doc["_source"]) if doc.get("found") else AppliedState(START)
        for partition, doc in zip(wanted, response["docs"], strict=True)
    }


async def applied_position(
    client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION, partition: int = 0
) -> OutboxPosition:
    return (await applied_state(client, prefix, subscription, partition)).position


class AppliedPositionRecorder:
    """Writes the applied position, only ever forwards, and the dead-letter count (compare-and-set on the
    document's sequence number: a write that lost a race reads the document again and decides again)."""

    def __init__(
        self, client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION, partition: int = 0
    ) -> None:
        self._client = client
        self._index = state_index(prefix)
        self._document_id = applied_document_id(subscription, partition)
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
            response = await self._client.get(index=self._index, id=self._document_id, realtime=True)
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
                index=self._index, id=self._document_id, document=document, op_type="create"
            )
        else:
            response = await self._client.index(
                index=self._index,
                id=self._document_id,
                document=document,
                if_seq_no=self._known.seq_no,
                if_primary_term=self._known.primary_term,
            )
        self._known = _Known(state, response["_seq_no"], response["_primary_term"])
