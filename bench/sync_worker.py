"""One sync worker process for the `sync_workers` scenario: `python -m bench.sync_worker DATABASE_URL
ELASTICSEARCH_URL PREFIX SUBSCRIPTION`. It runs the real worker (`SyncWorker.run`, fair share of the partitions
included, its garbage collector set as in `catalog sync`) under its own subscription, so repetitions over one
database each start from the beginning, until SIGTERM. It prints `ready` once started, then waits for a line on
stdin before it works."""

from __future__ import annotations

import asyncio
import signal
import sys

from elasticsearch import AsyncElasticsearch
from elasticsearch.serializer import OrjsonSerializer

from api.cli.common import WORKER_YOUNG_OBJECTS, collect_less_often, freeze_startup_heap
from bench.services import node_urls
from domain.storage.engine import create_async
from sync.options import SyncOptions
from sync.worker import SyncWorker


async def main(database_url: str, elasticsearch_url: str, prefix: str, subscription: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    engine = create_async(database_url, pool_size=8, sqlite_immediate=False)
    client = AsyncElasticsearch(node_urls(elasticsearch_url), request_timeout=120, serializer=OrjsonSerializer())
    try:
        worker = SyncWorker(engine, client, prefix, SyncOptions(subscription=subscription, lease_seconds=6.0))
        collect_less_often(
            WORKER_YOUNG_OBJECTS
        )  # and the heap frozen, as `catalog sync` does: cheap collections while documents are built
        freeze_startup_heap()
        print("ready", flush=True)  # started: the scenario starts every worker at once when all of them are
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await worker.run(stop)
    finally:
        await client.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
