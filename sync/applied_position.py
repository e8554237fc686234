"""The position the worker has applied, recorded in Elasticsearch for the query side.

Queries never read the SQL database, so a reader that holds a consistency token (a command's outbox position)
waits on this record instead: one small document per subscription in the index ``<prefix>-sync-state``::

    GET <prefix>-sync-state/_doc/<subscription>   (realtime)
    {"txid": 0, "sequence": 1234, "token": "c1.0.1234", "updated_at": "2026-01-01T00:00:00+00:00"}

Every record at or below that position is indexed (and, by default, searchable). The worker writes it after
Elasticsearch acknowledged a batch, with optimistic concurrency so that it never moves backwards, even when a
stale worker that lost its lease writes late.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, ConflictError, NotFoundError

from domain.outbox import START, OutboxPosition
from read_index.indices import SINGLE_NODE, IndexLayout, apply_replicas
from sync.options import SUBSCRIPTION

STATE_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "txid": {"type": "long"},
        "sequence": {"type": "long"},
        "token": {"type": "keyword"},
        "updated_at": {"type": "date"},
    },
}


def state_index(prefix: str) -> str:
    return f"{prefix}-sync-state"


async def ensure_state_index(client: AsyncElasticsearch, prefix: str, layout: IndexLayout = SINGLE_NODE) -> bool:
    """Creates the index if missing, else gives it `layout`'s replicas; True if this call created it. Safe when
    processes race. One shard whatever the layout: it holds a document per subscription."""
    if await client.indices.exists(index=state_index(prefix)):
        await apply_replicas(client, state_index(prefix), layout.replicas)
        return False
    try:
        await client.indices.create(
            index=state_index(prefix),
            settings={"number_of_shards": 1, "number_of_replicas": layout.replicas},
            mappings=STATE_MAPPING,
        )
    except BadRequestError as error:
        if error.error != "resource_already_exists_exception":
            raise
        return False
    return True


def _position(source: dict[str, Any]) -> OutboxPosition:
    return OutboxPosition(int(source["txid"]), int(source["sequence"]))


async def applied_position(client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION) -> OutboxPosition:
    """What the worker has applied: START if nothing yet. A realtime get, so no refresh is needed."""
    try:
        response = await client.get(index=state_index(prefix), id=subscription, realtime=True)
    except NotFoundError:
        return START
    return _position(response["_source"])


class AppliedPositionRecorder:
    """Writes the applied position, only ever forwards (compare-and-set on the document's sequence number)."""

    def __init__(self, client: AsyncElasticsearch, prefix: str, subscription: str = SUBSCRIPTION) -> None:
        self._client = client
        self._index = state_index(prefix)
        self._subscription = subscription
        self._known: tuple[OutboxPosition, int, int] | None = None  # position, seq_no, primary_term

    async def record(self, position: OutboxPosition) -> None:
        while True:
            if self._known is None:
                self._known = await self._read()
            if self._known is not None and self._known[0] >= position:
                return
            try:
                await self._write(position)
                return
            except ConflictError:
                self._known = None  # someone else wrote it: read again and compare

    async def _read(self) -> tuple[OutboxPosition, int, int] | None:
        try:
            response = await self._client.get(index=self._index, id=self._subscription, realtime=True)
        except NotFoundError:
            return None
        return _position(response["_source"]), response["_seq_no"], response["_primary_term"]

    async def _write(self, position: OutboxPosition) -> None:
        document = {
            "txid": position.txid,
            "sequence": position.sequence,
            "token": position.token(),
            "updated_at": datetime.now(UTC).isoformat(),
        }
        if self._known is None:
            response = await self._client.index(
                index=self._index, id=self._subscription, document=document, op_type="create"
            )
        else:
            _, seq_no, primary_term = self._known
            response = await self._client.index(
                index=self._index,
                id=self._subscription,
                document=document,
                if_seq_no=seq_no,
                if_primary_term=primary_term,
            )
        self._known = (position, response["_seq_no"], response["_primary_term"])
