"""The sync worker's bookkeeping on SQLite and PostgreSQL: checkpoints only move forward unless reset, one owner
holds a lease at a time, and dead letters stay open until a retry resolves them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import START, OutboxPosition, OutboxRecord
from domain.storage import dead_letters, sync_checkpoints, sync_lease

SUBSCRIPTION = "read-models"
MINUTE = timedelta(minutes=1)


async def test_a_checkpoint_starts_at_the_beginning_and_advances_when_saved(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        before = await sync_checkpoints.load_checkpoint(connection, SUBSCRIPTION)
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(0, 7))
        after = await sync_checkpoints.load_checkpoint(connection, SUBSCRIPTION)

    assert (before, after) == (START, OutboxPosition(0, 7))


async def test_saving_a_checkpoint_behind_the_current_one_leaves_it_where_it_is(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(3, 9))
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(3, 4))
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(2, 50))

        assert await sync_checkpoints.load_checkpoint(connection, SUBSCRIPTION) == OutboxPosition(3, 9)


async def test_a_reset_moves_a_checkpoint_backwards_or_to_the_beginning(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(0, 9))
        await sync_checkpoints.reset_checkpoint(connection, SUBSCRIPTION, OutboxPosition(0, 2))
        moved_back = await sync_checkpoints.load_checkpoint(connection, SUBSCRIPTION)
        await sync_checkpoints.reset_checkpoint(connection, SUBSCRIPTION)
        cleared = await sync_checkpoints.load_checkpoint(connection, SUBSCRIPTION)

    assert (moved_back, cleared) == (OutboxPosition(0, 2), START)


async def test_a_lease_held_by_one_worker_is_refused_to_another(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-a", MINUTE)
        second = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-b", MINUTE)
        lease = await sync_lease.read_lease(connection, SUBSCRIPTION)

    assert (first, second) == (True, False)
    assert lease is not None
    assert lease.owner == "worker-a"


async def test_the_holder_renewing_its_lease_extends_it(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-a", MINUTE)
        first = await sync_lease.read_lease(connection, SUBSCRIPTION)
        renewed = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-a", 60 * MINUTE)
        second = await sync_lease.read_lease(connection, SUBSCRIPTION)

    assert renewed
    assert first is not None
    assert second is not None
    assert second.expires_at - first.expires_at > 50 * MINUTE


async def test_an_expired_lease_is_taken_over_by_another_worker(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-a", -MINUTE)  # expired when written
        taken = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-b", MINUTE)
        lease = await sync_lease.read_lease(connection, SUBSCRIPTION)

    assert taken
    assert lease is not None
    assert lease.owner == "worker-b"


async def test_only_its_owner_releases_a_lease(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-a", MINUTE)
        await sync_lease.release_lease(connection, SUBSCRIPTION, "worker-b")
        after_other = await sync_lease.read_lease(connection, SUBSCRIPTION)
        await sync_lease.release_lease(connection, SUBSCRIPTION, "worker-a")
        after_owner = await sync_lease.read_lease(connection, SUBSCRIPTION)

    assert after_other is not None
    assert after_other.owner == "worker-a"
    assert after_owner is None


def refused(sequence: int) -> OutboxRecord:
    return OutboxRecord(OutboxPosition(0, sequence), "Product", f"p-{sequence}", 2, "PriceChanged", {}, None, None)


async def test_dead_letters_stay_open_until_resolved(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await dead_letters.add_dead_letters(
            connection, SUBSCRIPTION, [(refused(4), "mapping", 5), (refused(8), "x", 1)]
        )
        first, second = await dead_letters.list_dead_letters(connection, SUBSCRIPTION)
        await dead_letters.resolve_dead_letter(connection, first.id)
        still_open = await dead_letters.list_dead_letters(connection, SUBSCRIPTION)
        every = await dead_letters.list_dead_letters(connection, SUBSCRIPTION, include_resolved=True)
        open_count = await dead_letters.count_dead_letters(connection, SUBSCRIPTION)

    assert (first.position, first.aggregate_id, first.error, first.attempts) == (
        OutboxPosition(0, 4),
        "p-4",
        "mapping",
        5,
    )
    assert [letter.id for letter in still_open] == [second.id]
    assert [letter.resolved_at is not None for letter in every] == [True, False]
    assert open_count == 1


async def test_a_failed_retry_counts_an_attempt_and_keeps_the_latest_error(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await dead_letters.add_dead_letters(connection, SUBSCRIPTION, [(refused(4), "mapping", 5)])
        [letter] = await dead_letters.list_dead_letters(connection, SUBSCRIPTION)
        await dead_letters.record_failed_retry(connection, letter.id, "still refused")
        retried = await dead_letters.get_dead_letter(connection, letter.id)

    assert retried is not None
    assert (retried.error, retried.attempts, retried.resolved_at) == ("still refused", 6, None)
