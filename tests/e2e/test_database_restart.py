"""PostgreSQL is stopped and started again under load: mutations through HTTP against a real `catalog serve`
(worker in-process), on a PostgreSQL cluster of the test's own (never the shared one).

While the database is down, commands fail with a typed error or succeed, never a 5xx or a traceback; the client
sends each failed command again with the same idempotency key, and once the load is over every command was
applied exactly once (each writer's stock is the sum of its quantities); reads with a token see their writes;
the worker resumes and `catalog verify` is clean.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from devstack.postgres_cluster import PostgresCluster
from tests.e2e.conftest import Server, catalog_env, running_server
from tests.e2e.mixed_load import (
    MixedLoad,
    assert_converged,
    assert_no_fault_reached_a_client,
    assert_reads_saw_their_writes,
)
from tests.support.postgres import private_cluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.elasticsearch]

# A command refused while the database is away: UNAVAILABLE once the API has it, INTERNAL (masked) until then; a
# read whose token the worker could not reach meanwhile (it reads the outbox from the database): CONFLICT.
ALLOWED_CODES = frozenset({"UNAVAILABLE", "INTERNAL", "CONFLICT"})
OUTAGE_SECONDS = 3.0  # how long the database stays down (the load's own answers tell what clients saw)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresCluster]:
    with private_cluster("restart") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def postgres_server(
    own_postgres: PostgresCluster, elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("database-restart")
    env = catalog_env(tmp, elasticsearch_url, f"e2e-{uuid.uuid4().hex[:12]}")
    env["CATALOG_DATABASE_URL"] = own_postgres.create_database("restart")
    yield from running_server(["serve"], env, tmp, elasticsearch_url)


async def test_a_database_restart_under_load_loses_no_acknowledged_command_and_applies_none_twice(
    postgres_server: Server, own_postgres: PostgresCluster
) -> None:
    load = MixedLoad(postgres_server.url, postgres_server.token("catalog:write", "inventory:write"), "PG")
    async with load.running(creators=1):
        await load.until(lambda load: load.acks("before") >= 10)
        load.phase = "down"
        await asyncio.to_thread(own_postgres.stop)
        await asyncio.sleep(OUTAGE_SECONDS)
        # A slow machine may not have sent a command yet, the writers waiting on their read-backs: the outage lasts
        # until a command met it, or this test would prove nothing about commands.
        await load.until(lambda load: load.failed_commands("down") >= 1, seconds=60)
        await asyncio.to_thread(own_postgres.start)
        load.phase = "back"
        await load.until(lambda load: load.acks("back") >= 20)
    print(f"PG: {load.summary()}")  # what clients saw, in the test's output (docs/sync.md quotes it)

    assert_no_fault_reached_a_client(load, ALLOWED_CODES)
    assert_reads_saw_their_writes(load)
    await assert_converged(postgres_server, load)
