"""`kill -9` of the process delivering webhooks (a standalone `catalog sync`) at any moment loses no delivery, and a
delivery sent twice carries the same event id and the same signed body."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.storage.webhook_deliveries import DELIVERED
from tests.integration.sync.conftest import cli_environment, poll_until
from tests.integration.sync.test_crash import free_port, start_worker
from tests.integration.sync.webhooks import (
    SECRET,
    delivered_records,
    deliveries,
    expected_records,
    received_at_least,
    receiving,
    register,
)
from tests.integration.sync.workload import Catalog, churn, create_products
from tests.support.webhook_receiver import Receiver

pytestmark = pytest.mark.elasticsearch

EVENTS = ("PRODUCT_CHANGED", "STOCK_CHANGED", "ORDER_PLACED", "ORDER_PAID", "ORDER_SHIPPED", "ORDER_CANCELLED")
WRITE_ROUNDS = 12


async def write(bus: MessageBus, catalog: Catalog) -> None:
    """A few hundred events, written while the worker delivers and is killed."""
    for seed in range(WRITE_ROUNDS):
        await churn(bus, catalog, 10, seed=seed, discontinue=False)


async def kill_three_times_mid_stream(
    env: dict[str, str], log: Path, port: int, receiver: Receiver
) -> subprocess.Popen[bytes]:
    """Starts the worker, kills it each time 25 more deliveries have arrived, restarts it; returns the last one."""
    worker = start_worker(env, log, port)
    for _ in range(3):
        await received_at_least(receiver, len(receiver.received) + 25, seconds=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert worker.returncode == -signal.SIGKILL
        worker = start_worker(env, log, port)
    return worker


async def test_a_delivering_process_killed_mid_stream_loses_nothing_and_repeats_only_with_the_same_id(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    index_prefix: str,
    tmp_path: Path,
) -> None:
    env = cli_environment(database_url, elasticsearch_url, index_prefix)
    env |= {"CATALOG_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true", "CATALOG_WEBHOOKS_BACKOFF_BASE_SECONDS": "0.05"}
    log, port, catalog = tmp_path / "worker.log", free_port(), Catalog()
    async with receiving() as receiver:
        await register(bus, receiver, *EVENTS)
        await create_products(bus, catalog, 20)
        writes = asyncio.create_task(write(bus, catalog))
        worker = None
        try:
            worker = await kill_three_times_mid_stream(env, log, port, receiver)
            await writes
            expected = await expected_records(engine, *EVENTS)

            async def all_delivered() -> bool:
                return sum(d.status == DELIVERED for d in await deliveries(engine)) == len(expected)

            await poll_until(all_delivered, 120)
            async with httpx.AsyncClient() as http:  # the standalone worker serves the webhook metrics too
                metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, log.read_text()[-3000:]
        finally:
            if worker is not None and worker.poll() is None:
                worker.kill()
                worker.wait(10)
            await asyncio.gather(writes, return_exceptions=True)
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for request in receiver.received:
        assert request.signed_with(SECRET)
        bodies[request.headers["x-catalog-delivery"]].add(request.body)
    assert sorted(set(delivered_records(receiver))) == sorted(expected)
    assert len(bodies) == len(expected)
    assert all(len(sent) == 1 for sent in bodies.values())  # a repeat is the same id with the same bytes
    assert "catalog_webhook_lease_held 1.0" in metrics
    assert "catalog_webhook_deliveries_total" in metrics
