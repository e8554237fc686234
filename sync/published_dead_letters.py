"""Unresolved dead letters, published where the query side can see them: documents in ``<prefix>-sync-state``.

Queries read Elasticsearch only. A read waiting on a consistency token learns here that a record of its write
could not be indexed, and answers with an error instead of the state before the write. The worker publishes
every record it dead-letters before its checkpoint (and applied position) passes it, and counts the unresolved
ones in the applied-position document, so that readers look here only while there are any; `catalog
deadletter retry` withdraws each letter it resolves, then recounts::

    <prefix>-sync-state/_doc/dead-letter.<subscription>.<id>
    {"txid": 0, "sequence": 57, "token": "c1.0.57", "updated_at": "...",
     "dead_letter": {"id": 3, "subscription": "read-models", "aggregate_type": "product", "aggregate_id": "...",
                     "aggregate_version": 4, "event_type": "StockReceived"}}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from domain.outbox import ConsistencyToken, OutboxPosition
from sync.options import SUBSCRIPTION
from sync.state_index import state_index

LONG_MAX = 2**63 - 1
MOST_NAMED = 10
"""Dead letters of one token named in a refusal at most."""


@dataclass(frozen=True, slots=True)
class PublishedDeadLetter:
    """What readers learn of a dead letter (the database's `dead_letters` row holds the rest, the error above all)."""

    id: int
    subscription: str
    position: OutboxPosition
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_type: str

    def describe(self) -> str:
        return (
            f"{self.event_type} of {self.aggregate_type} {self.aggregate_id} (version {self.aggregate_version}, "
            f"dead letter {self.id} at {self.position.token()})"
        )


def _document_id(subscription: str, letter_id: int) -> str:
    return f"dead-letter.{subscription}.{letter_id}"


def _document(letter: PublishedDeadLetter) -> dict[str, Any]:
    return {
        "txid": letter.position.txid,
        "sequence": letter.position.sequence,
        "token": letter.position.token(),
        "updated_at": datetime.now(UTC).isoformat(),
        "dead_letter": {
            "id": letter.id,
            "subscription": letter.subscription,
            "aggregate_type": letter.aggregate_type,
            "aggregate_id": letter.aggregate_id,
            "aggregate_version": letter.aggregate_version,
            "event_type": letter.event_type,
        },
    }


async def publish(client: AsyncElasticsearch, prefix: str, letters: Iterable[PublishedDeadLetter]) -> None:
    """Makes `letters` visible to searches at once (they are rare; readers must not miss one)."""
    operations: list[dict[str, Any]] = []
    for letter in letters:
        operations += [{"index": {"_id": _document_id(letter.subscription, letter.id)}}, _document(letter)]
    if operations:
        await _bulk(client, prefix, operations)


async def withdraw(client: AsyncElasticsearch, prefix: str, subscription: str, letter_ids: Iterable[int]) -> None:
    operations: list[dict[str, Any]] = [{"delete": {"_id": _document_id(subscription, i)}} for i in letter_ids]
    if operations:
        await _bulk(client, prefix, operations)


async def _bulk(client: AsyncElasticsearch, prefix: str, operations: list[dict[str, Any]]) -> None:
    response = await client.bulk(index=state_index(prefix), operations=operations, refresh=True)
    failed = [
        item for entry in response["items"] for item in entry.values() if item.get("error") and item["status"] != 404
    ]
    if failed:
        raise RuntimeError(f"dead letters could not be published: {failed[0]['error']}")


async def dead_letters_within(
    client: AsyncElasticsearch, prefix: str, token: ConsistencyToken, subscription: str = SUBSCRIPTION
) -> list[PublishedDeadLetter]:
    """The published dead letters among the positions `token` names (at most `MOST_NAMED`)."""
    if max(token.last.txid, token.last.sequence) > LONG_MAX:
        return []  # no position the outbox can hold
    query = {"bool": {"filter": [{"term": {"dead_letter.subscription": subscription}}, _between(token)]}}
    response = await client.search(index=state_index(prefix), query=query, size=MOST_NAMED, sort=[{"sequence": "asc"}])
    return [_published(hit["_source"]) for hit in response["hits"]["hits"]]


def _between(token: ConsistencyToken) -> dict[str, Any]:
    """Positions from the token's first to its last, in (txid, sequence) order."""
    first, last = token.first, token.last
    if first.txid == last.txid:
        return _in_transaction(first.txid, gte=first.sequence, lte=last.sequence)
    spanned = [
        _in_transaction(first.txid, gte=first.sequence),
        {"range": {"txid": {"gt": first.txid, "lt": last.txid}}},
        _in_transaction(last.txid, lte=last.sequence),
    ]
    return {"bool": {"should": spanned, "minimum_should_match": 1}}


def _in_transaction(txid: int, **sequences: int) -> dict[str, Any]:
    return {"bool": {"filter": [{"term": {"txid": txid}}, {"range": {"sequence": sequences}}]}}


def _published(source: dict[str, Any]) -> PublishedDeadLetter:
    letter = source["dead_letter"]
    return PublishedDeadLetter(
        id=int(letter["id"]),
        subscription=letter["subscription"],
        position=OutboxPosition(int(source["txid"]), int(source["sequence"])),
        aggregate_type=letter["aggregate_type"],
        aggregate_id=letter["aggregate_id"],
        aggregate_version=int(letter["aggregate_version"]),
        event_type=letter["event_type"],
    )
