"""`kill -9` of the process delivering webhooks (a standalone `catalog sync`) at any moment loses no delivery, and a
delivery sent twice carries the same event id and the same signed body."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.storage.webhook_deliveries import DELIVERED
from tests.integration.sync.conftest import cli_command, cli_environment, poll_until
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

pytestmark = pytest.mark.elasticsearch

EVENTS = ("PRODUCT_CHANGED", "STOCK_CHANGED", "ORDER_PLACED", "ORDER_PAID", "ORDER_SHIPPED", "ORDER_CANCELLED")
WORKER_ARGS = ("--batch-size", "15", "--lease-seconds", "1", "--poll-seconds", "0.05")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(cli_command("sync", *WORKER_ARGS), env=env, stdout=output, stderr=output)


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
    log = tmp_path / "worker.log"
    catalog = Catalog()
    stop_writes = asyncio.Event()
    async with receiving() as receiver:
        await register(bus, receiver, *EVENTS)
        await create_products(bus, catalog, 20)

        async def write() -> None:  # until told to stop, so that every kill lands mid-stream
            rounds = 0
            while not stop_writes.is_set():
                await churn(bus, catalog, 10, seed=rounds, discontinue=False)
                rounds += 1

        writes = asyncio.create_task(write())
        worker = start_worker(env, log)
        try:
            for _ in range(3):
                await received_at_least(receiver, len(receiver.received) + 25, seconds=60)
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
                assert worker.returncode == -signal.SIGKILL
                worker = start_worker(env, log)
            stop_writes.set()
            await writes
            expected = await expected_records(engine, *EVENTS)

            async def all_delivered() -> bool:
                return sum(d.status == DELIVERED for d in await deliveries(engine)) == len(expected)

            try:
                await poll_until(all_delivered, 60)
            except TimeoutError:
                from collections import Counter

                ds = await deliveries(engine)
                print(
                    "EXPECTED",
                    len(expected),
                    "STATUS",
                    Counter(d.status for d in ds),
                    "RECEIVED",
                    len(receiver.received),
                )
                print([(d.id, d.status, d.attempts, d.last_error) for d in ds if d.status != DELIVERED][:10])
                print(log.read_text()[-6000:])
                raise
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, log.read_text()[-3000:]
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
            stop_writes.set()
            await asyncio.gather(writes, return_exceptions=True)
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for request in receiver.received:
        bodies[request.headers["x-catalog-delivery"]].add(request.body)
        assert request.signed_with(SECRET)
    assert sorted(set(delivered_records(receiver))) == sorted(expected)
    assert len(bodies) == len(expected)
    assert all(len(sent) == 1 for sent in bodies.values())  # a repeat is the same id with the same bytes
    assert "event=lease_acquired subscription=webhooks" in log.read_text()
