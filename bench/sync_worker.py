"""One sync worker process for the `sync_workers` scenario: `python -m bench.sync_worker DATABASE_URL
ELASTICSEARCH_URL PREFIX SUBSCRIPTION`. It runs the real worker (`SyncWorker.run`, fair share of the partitions
included) under its own subscription, so repetitions over one database each start from the beginning, until
SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

from elasticsearch import AsyncElasticsearch
from elasticsearch.serializer import OrjsonSerializer

from domain.storage.engine import create_async
from sync.options import SyncOptions
from sync.worker import SyncWorker


async def main(database_url: str, elasticsearch_url: str, prefix: str, subscription: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    engine = create_async(database_url, pool_size=8, sqlite_immediate=False)
    client = AsyncElasticsearch(elasticsearch_url, request_timeout=120, serializer=OrjsonSerializer())
    try:
        worker = SyncWorker(engine, client, prefix, SyncOptions(subscription=subscription, lease_seconds=6.0))
        await worker.run(stop)
    finally:
        await client.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
