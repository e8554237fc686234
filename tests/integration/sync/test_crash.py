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
from sync.status import read_status
from tests.integration.sync.conftest import (
    assert_verified_clean,
    cli_command,
    cli_environment,
    poll_until,
    wait_until_caught_up,
)
from tests.integration.sync.workload import Catalog, churn, create_products

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


async def wait_for_progress(engine: AsyncEngine, beyond: int) -> None:
    async def progressed() -> bool:
        return (await read_status(engine)).checkpoint.sequence > beyond

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

    async def write() -> None:  # until told to stop, so that every kill lands mid-stream
        rounds = 0
        while not stop_writes.is_set():
            await churn(bus, catalog, 10, seed=rounds, discontinue=False)
            rounds += 1

    writes = asyncio.create_task(write())
    port = free_port()
    worker = start_worker(env, log, port)
    try:
        for _ in range(3):
            checkpoint = (await read_status(engine)).checkpoint.sequence
            await wait_for_progress(engine, checkpoint + 20)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            assert worker.returncode == -signal.SIGKILL
            worker = start_worker(env, log, port)
        stop_writes.set()
        await writes
        await wait_until_caught_up(engine, seconds=120)
        async with httpx.AsyncClient() as http:  # the standalone worker serves its own metrics
            metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert "catalog_sync_lease_held 1.0" in metrics
        assert "catalog_sync_events_total" in metrics
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        stop_writes.set()
        await asyncio.gather(writes, return_exceptions=True)
    assert (await read_status(engine)).lease_owner is None  # the graceful stop released the lease
    assert "event=lease_released" in log.read_text()
    await assert_verified_clean(engine, es_client, index_prefix)
