"""Listing and retrying dead letters: outbox records the worker could not index after bounded tries, kept with
their error (`catalog deadletter list|retry`).

A retry re-reads each record from the outbox and applies it again (its state is the aggregate's state at that
version, so a newer document already indexed wins, by external versioning); a resolved letter is withdrawn from
where readers see it (`sync.published_dead_letters`). Fix the cause first: a mapping, a projection, or the record
itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage import dead_letters, outbox_reading
from domain.storage.dead_letters import DeadLetter
from sync.applied_position import AppliedPositionRecorder
from sync.batches import prepare
from sync.delivery import Deliverer
from sync.options import SUBSCRIPTION
from sync.published_dead_letters import withdraw
from sync.retry import Interrupted, Outage

RETRY_ATTEMPTS = 3
RETRY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    letter_id: int
    resolved: bool
    error: str | None = None


async def list_dead_letters(
    engine: AsyncEngine, subscription: str = SUBSCRIPTION, *, include_resolved: bool = False, limit: int = 100
) -> list[DeadLetter]:
    async with engine.connect() as connection:
        return await dead_letters.list_dead_letters(
            connection, subscription, include_resolved=include_resolved, limit=limit
        )


async def retry_dead_letters(
    engine: AsyncEngine,
    client: AsyncElasticsearch,
    prefix: str,
    ids: Sequence[int] | None = None,
    *,
    subscription: str = SUBSCRIPTION,
    timeout_seconds: float = RETRY_TIMEOUT_SECONDS,
) -> list[RetryOutcome]:
    """Re-applies the given dead letters (all unresolved ones of `subscription` when `ids` is None)."""
    if ids is None:
        letters = await list_dead_letters(engine, subscription, limit=1_000_000)
    else:
        letters = []
        async with engine.connect() as connection:
            for letter_id in ids:
                letter = await dead_letters.get_dead_letter(connection, letter_id)
                if letter is None:
                    raise LookupError(f"no dead letter with id {letter_id}")
                letters.append(letter)
    deliverer = Deliverer(
        client, prefix, max_attempts=RETRY_ATTEMPTS, backoff_base=0.2, backoff_cap=5.0, outage=Outage("elasticsearch")
    )
    outcomes = [await _retry(engine, deliverer, letter, timeout_seconds) for letter in letters]
    resolved = {outcome.letter_id for outcome in outcomes if outcome.resolved}
    await _unpublish([letter for letter in letters if letter.id in resolved], engine, client, prefix, subscription)
    return outcomes


async def _unpublish(
    resolved: list[DeadLetter], engine: AsyncEngine, client: AsyncElasticsearch, prefix: str, subscription: str
) -> None:
    """Readers stop refusing tokens of the resolved letters' records (sync.published_dead_letters); the applied
    position of each partition they were in recounts its letters."""
    if not resolved:
        return
    await withdraw(client, prefix, subscription, [letter.id for letter in resolved])
    for partition in sorted({letter.partition for letter in resolved}):

        async def count(partition: int = partition) -> int:
            async with engine.connect() as connection:
                return await dead_letters.count_dead_letters(connection, subscription, partition)

        await AppliedPositionRecorder(client, prefix, subscription, partition).recount(count)


async def _retry(engine: AsyncEngine, deliverer: Deliverer, letter: DeadLetter, seconds: float) -> RetryOutcome:
    if letter.resolved_at is not None:
        return RetryOutcome(letter.id, resolved=True)
    error = await _apply(engine, deliverer, letter, seconds)
    async with engine.begin() as connection:
        if error is None:
            await dead_letters.resolve_dead_letter(connection, letter.id)
        else:
            await dead_letters.record_failed_retry(connection, letter.id, error)
    return RetryOutcome(letter.id, resolved=error is None, error=error)


async def _apply(engine: AsyncEngine, deliverer: Deliverer, letter: DeadLetter, seconds: float) -> str | None:
    """None once applied, else why not."""
    async with engine.connect() as connection:
        records = await outbox_reading.read_at(connection, [letter.position])
    if not records:
        return f"the outbox holds no record at {letter.position.token()} any more"
    batch = prepare(records, tail=True)
    if batch.unprojectable:
        return batch.unprojectable[0][1]
    halt = asyncio.Event()
    timer = asyncio.get_running_loop().call_later(seconds, halt.set)
    try:
        delivered = await deliverer.deliver(batch.ops, halt)
    except Interrupted:
        return f"elasticsearch did not accept the record within {seconds:g} s"
    finally:
        timer.cancel()
    return delivered.refused[0].error if delivered.refused else None
