"""Several `catalog sync` processes share the partitions; killed (`kill -9`) and restarted at random while events
flow, they lose nothing: the partitions of a killed one are taken over once its leases expire, and the index
converges, `catalog verify` clean."""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.storage import sync_workers
from domain.storage.engine import is_sqlite
from sync.options import SUBSCRIPTION
from sync.status import read_status
from tests.integration.sync.conftest import (
    assert_verified_clean,
    cli_environment,
    poll_until,
    run_cli,
    wait_until_caught_up,
)
from tests.integration.sync.test_crash import free_port, start_worker, wait_for_progress
from tests.integration.sync.workload import Catalog, create_products, write_until

pytestmark = pytest.mark.elasticsearch

WORKERS = 3
KILLS = 6


async def all_announced(engine: AsyncEngine, workers: list[subprocess.Popen[bytes]]) -> bool:
    async with engine.connect() as connection:
        owners = await sync_workers.live_workers(connection, SUBSCRIPTION)
    return all(any(f":{worker.pid}:" in owner for owner in owners) for worker in workers)


def kill(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert worker.returncode == -signal.SIGKILL


async def test_workers_killed_and_restarted_at_random_while_events_flow_converge(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    tmp_path: Path,
) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite has one partition: tests/integration/sync/test_crash.py kills its one worker")
    env = cli_environment(database_url, elasticsearch_url, index_prefix)
    log = tmp_path / "workers.log"
    catalog = Catalog()
    await create_products(bus, catalog, 40)
    stop_writes = asyncio.Event()

    writes = asyncio.create_task(write_until(stop_writes, bus, catalog))
    workers = [start_worker(env, log, free_port()) for _ in range(WORKERS)]
    rng = random.Random(18)
    try:
        for _ in range(KILLS):
            await wait_for_progress(engine, (await read_status(engine)).checkpoint)
            victim = rng.randrange(WORKERS)
            kill(workers[victim])
            await asyncio.sleep(rng.uniform(0, 1.5))  # sometimes before its leases expire, sometimes after
            workers[victim] = start_worker(env, log, free_port())
        stop_writes.set()
        await writes
        await wait_until_caught_up(engine, seconds=120)
        status = await read_status(engine)
        assert len(status.partitions) > 1
        assert {part.lease_owner for part in status.partitions} - {None}  # the survivors hold the partitions
        await poll_until(lambda: all_announced(engine, workers), seconds=60)  # so each has its stop signal set up
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            assert worker.wait(30) == 0, log.read_text()[-3000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        stop_writes.set()
        await asyncio.gather(writes, return_exceptions=True)
    verified = await run_cli(env, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert log.read_text().count("event=lease_acquired") > len(status.partitions)  # partitions were taken over
    await assert_verified_clean(engine, es_client, index_prefix)
