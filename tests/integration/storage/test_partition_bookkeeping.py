"""Partitions in the sync bookkeeping, on SQLite and PostgreSQL: each (subscription, partition) has its own
checkpoint and lease, workers count each other by heartbeat, a repartition rewrites every record's partition, and
upgrading an outbox that already holds records keeps it in one partition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import OutboxPosition, partition_of
from domain.storage import outbox_partitioning, sync_checkpoints, sync_lease, sync_workers
from domain.storage.engine import create_sync
from domain.storage.migrate import upgrade
from domain.storage.tables import outbox

SUBSCRIPTION = "read-models"
MINUTE = timedelta(minutes=1)


async def test_each_partition_has_its_own_checkpoint(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(0, 7), 1)
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(0, 3), 2)
        await sync_checkpoints.save_checkpoint(connection, SUBSCRIPTION, OutboxPosition(0, 2), 1)  # behind: ignored
        checkpoints = await sync_checkpoints.load_checkpoints(connection, SUBSCRIPTION)

    assert checkpoints == {1: OutboxPosition(0, 7), 2: OutboxPosition(0, 3)}


async def test_each_partition_has_its_own_lease(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-a", MINUTE, 0)
        other_partition = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-b", MINUTE, 1)
        refused = await sync_lease.claim_lease(connection, SUBSCRIPTION, "worker-b", MINUTE, 0)
        leases = await sync_lease.read_leases(connection, SUBSCRIPTION)

    assert (first, other_partition, refused) == (True, True, False)
    assert {partition: lease.owner for partition, lease in leases.items()} == {0: "worker-a", 1: "worker-b"}


async def test_workers_count_each_other_until_one_expires_or_withdraws(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        assert await sync_workers.announce(connection, SUBSCRIPTION, "worker-a", MINUTE) == 1
        assert await sync_workers.announce(connection, SUBSCRIPTION, "worker-b", MINUTE) == 2
        assert await sync_workers.announce(connection, "webhooks", "worker-c", MINUTE) == 1  # another subscription
        await sync_workers.announce(connection, SUBSCRIPTION, "worker-dead", -MINUTE)  # expired already
        assert await sync_workers.announce(connection, SUBSCRIPTION, "worker-a", MINUTE) == 2
        await sync_workers.withdraw(connection, SUBSCRIPTION, "worker-b")
        assert await sync_workers.live_workers(connection, SUBSCRIPTION) == ["worker-a"]


async def test_rewriting_partitions_puts_each_record_where_its_aggregate_belongs(engine: AsyncEngine) -> None:
    rows = [
        {
            "aggregate_type": "product",
            "aggregate_id": f"p-{i}",
            "aggregate_version": 1,
            "event_type": "ProductCreated",
            "payload": {},
            "occurred_at": datetime.now(UTC),
            "partition": 0,
        }
        for i in range(40)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(outbox), rows)
        moved = await outbox_partitioning.rewrite_partitions(connection, 4)
        await outbox_partitioning.save_partitions(connection, 4)
        stored = (await connection.execute(select(outbox.c.aggregate_id, outbox.c.partition))).all()
        partitions = await outbox_partitioning.load_partitions(connection)

    assert partitions == 4
    assert all(row.partition == partition_of("product", row.aggregate_id, 4) for row in stored)
    assert moved == sum(1 for row in stored if row.partition != 0) > 0


def test_upgrading_an_outbox_that_holds_records_keeps_one_partition_and_the_checkpoint(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'before-partitions.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database("before_partitions")
    upgrade(url, "0001")
    engine = create_sync(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO outbox (txid, aggregate_type, aggregate_id, aggregate_version, event_type, payload, "
                    "occurred_at) VALUES (0, 'product', 'p-1', 1, 'ProductCreated', '{}', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO sync_checkpoints (name, txid, sequence, updated_at) "
                    "VALUES ('read-models', 0, 1, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(url)
        with engine.connect() as connection:
            partitions = connection.execute(text("SELECT partitions FROM outbox_partitioning")).scalar()
            record = connection.execute(text("SELECT partition FROM outbox")).scalar()
            checkpoint = connection.execute(text("SELECT partition, sequence FROM sync_checkpoints")).one()
    finally:
        engine.dispose()
    assert (partitions, record, tuple(checkpoint)) == (1, 0, (0, 1))


async def test_a_fresh_outbox_has_four_partitions_on_postgresql_and_one_on_sqlite(
    engine: AsyncEngine, database_url: str
) -> None:
    async with engine.connect() as connection:
        partitions = await outbox_partitioning.load_partitions(connection)
    assert partitions == (1 if database_url.startswith("sqlite") else 4)
