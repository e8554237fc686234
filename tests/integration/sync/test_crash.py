"""`kill -9` of a standalone `catalog sync` at any moment loses nothing: the restarted worker converges."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.outbox import OutboxPosition
from sync.status import read_status
from tests.integration.sync.conftest import (
    assert_verified_clean,
    cli_command,
    cli_environment,
    poll_until,
    wait_until_caught_up,
)
from tests.integration.sync.workload import Catalog, create_products, write_until

pytestmark = pytest.mark.elasticsearch

WORKER_ARGS = ("--batch-size", "15", "--lease-seconds", "1", "--poll-seconds", "0.05")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_worker(env: dict[str, str], log: Path, metrics_port: int) -> subprocess.Popen[bytes]:
    args = cli_command("sync", *WORKER_ARGS, "--metrics-port", str(metrics_port))
    with log.open("ab") as output:
        return subprocess.Popen(args, env=env, stdout=output, stderr=output)


async def wait_for_progress(engine: AsyncEngine, beyond: OutboxPosition) -> None:
    """Until every partition's checkpoint is past `beyond`."""

    async def progressed() -> bool:
        return (await read_status(engine)).checkpoint > beyond

    await poll_until(progressed, 60, interval=0.01)


async def test_a_worker_killed_mid_stream_resumes_and_converges(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    tmp_path: Path,
) -> None:
    env = cli_environment(database_url, elasticsearch_url, index_prefix)
    log = tmp_path / "worker.log"
    catalog = Catalog()
    await create_products(bus, catalog, 40)
    stop_writes = asyncio.Event()

    writes = asyncio.create_task(write_until(stop_writes, bus, catalog))
    port = free_port()
    worker = start_worker(env, log, port)
    try:
        for _ in range(3):
            await wait_for_progress(engine, (await read_status(engine)).checkpoint)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            assert worker.returncode == -signal.SIGKILL
            worker = start_worker(env, log, port)
        stop_writes.set()
        await writes
        await wait_until_caught_up(engine, seconds=120)
        async with httpx.AsyncClient() as http:  # the standalone worker serves its own metrics
            metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert 'catalog_sync_lease_held{partition="0"} 1.0' in metrics
        assert "catalog_sync_events_total" in metrics
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        stop_writes.set()
        await asyncio.gather(writes, return_exceptions=True)
    # the graceful stop released every partition's lease
    assert all(part.lease_owner is None for part in (await read_status(engine)).partitions)
    assert "event=lease_released" in log.read_text()
    await assert_verified_clean(engine, es_client, index_prefix)
