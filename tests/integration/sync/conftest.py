"""Fixtures for the sync worker's tests: the real bus, a worker engine, fast retry settings, and helpers that
end every test the same way: a clean verification of the write model against the index."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.storage import outbox_partitioning
from domain.storage.engine import create_async, is_sqlite
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from sync.options import SyncOptions
from sync.status import read_status
from sync.verify import verify
from sync.worker import SyncWorker

FAST = SyncOptions(
    batch_size=50,
    poll_seconds=0.05,
    lease_seconds=2.0,
    max_attempts=3,
    backoff_base_seconds=0.02,
    backoff_cap_seconds=0.5,
    status_seconds=0.5,
)


@pytest.fixture
async def bus(engine: AsyncEngine, database_url: str) -> MessageBus:
    """Writing into the outbox's partitions as `catalog serve` does (PostgreSQL: 4, SQLite: 1)."""
    async with engine.connect() as connection:
        partitions = await outbox_partitioning.load_partitions(connection)
    factory = SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url), partitions=partitions)
    return MessageBus(factory, COMMAND_HANDLERS)


@pytest.fixture
async def worker_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The worker's own engine, as in production (SQLite: deferred transactions, so reads never block writers)."""
    engine = create_async(database_url, sqlite_immediate=False)
    yield engine
    await engine.dispose()


WorkerFactory = Callable[..., SyncWorker]


@pytest.fixture
def new_worker(worker_engine: AsyncEngine, es_client: AsyncElasticsearch, index_prefix: str) -> WorkerFactory:
    def build(client: AsyncElasticsearch | None = None, **overrides: Any) -> SyncWorker:
        options = dataclasses.replace(FAST, **overrides)
        return SyncWorker(worker_engine, client or es_client, index_prefix, options, registry=CollectorRegistry())

    return build


async def assert_verified_clean(engine: AsyncEngine, client: AsyncElasticsearch, prefix: str) -> None:
    report = await verify(engine, client, prefix)
    assert report.clean, report.read_models
    assert sum(drift.aggregates for drift in report.read_models) > 0


async def poll_until(condition: Callable[[], Awaitable[bool]], seconds: float, interval: float = 0.05) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if await condition():
                return
            await asyncio.sleep(interval)


async def wait_until_caught_up(engine: AsyncEngine, seconds: float = 60) -> None:
    """Polls the status, as an operator's health check would, until nothing is behind."""

    async def caught_up() -> bool:
        return (await read_status(engine)).events_behind == 0

    await poll_until(caught_up, seconds)


def cli_environment(database_url: str, elasticsearch_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "CATALOG_DATABASE_URL": database_url,
        "CATALOG_ELASTICSEARCH_URL": elasticsearch_url,
        "CATALOG_INDEX_PREFIX": prefix,
    }


def cli_command(name: str, *args: str) -> list[str]:
    """`catalog NAME ARGS...`, through the `catalog` entry point's own function."""
    return [sys.executable, "-c", "from api.cli import main; main(prog_name='catalog')", name, *args]


async def run_cli(env: dict[str, str], name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, cli_command(name, *args), env=env, capture_output=True, text=True, timeout=120
    )
