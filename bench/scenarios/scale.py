"""Scale: searchProducts p50 (text, two filters, all facets) at N/100, N/10 and N products.

Each size is an index of its own, filled with the first products of the main catalog and served by its own
`catalog serve` (sync worker off). Once all of them are loaded and settled, the sizes are measured together,
our search and the identical raw request for each, alternating burst by burst across all of them at
concurrency 1. Target: our p50 at N is less than 2x our p50 at N/100 (with N = 1,000,000: 10k -> 100k -> 1M).

Measuring the sizes side by side matters: measured one after the other while the index grew, the first size
was also the first load the node saw, and a freshly started node is still compiling its search path for
minutes (12.4, then 10.2, then 9.2 ms for the same search at 10 000 products over three minutes of load), so
the growth depended on how warm the node happened to be. Each index is measured once Elasticsearch has
finished the merges its bulk load started: right after loading 1 000 000 documents an index has 60-70 segments
and merges running (p50 55 ms), a few minutes later 15 segments (20 ms); a catalog serves reads for far longer
in the settled state, so that is the one measured."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from elasticsearch import AsyncElasticsearch

from bench import raw
from bench.http import GraphQLClient, HttpError
from bench.load import Operation, compare
from bench.measure import freeze_heap
from bench.queries import SEARCH, search_request, search_variables
from bench.report import Row
from bench.run import Run
from bench.services import Service
from domain.storage.engine import create_sync
from read_index.indices import PRODUCTS, alias_name, ensure_indices
from read_index.search import prepare

TARGET = 2.0
SETTLE_TIMEOUT_SECONDS = 900.0
QUIET_POLLS = 3  # consecutive polls with no merge running


async def merges_settled(client: AsyncElasticsearch, index: str) -> float:
    """Waits until no merge has run on `index` for `QUIET_POLLS` polls in a row; returns the seconds waited."""
    started = time.perf_counter()
    quiet = 0
    while quiet < QUIET_POLLS and time.perf_counter() - started < SETTLE_TIMEOUT_SECONDS:
        stats = await client.indices.stats(index=index, metric="merge")
        quiet = quiet + 1 if stats["_all"]["primaries"]["merges"]["current"] == 0 else 0
        await asyncio.sleep(2)
    return time.perf_counter() - started


def sizes(products: int) -> list[int]:
    return sorted({max(100, products // 100), max(100, products // 10), products})


async def run(run: Run) -> None:
    engine = create_sync(run.ensure_main_database())  # the indices are filled from the write model's states
    try:
        docs = raw.final_documents(engine)
    finally:
        engine.dispose()
    freeze_heap()
    client = run.es_client()
    body = GraphQLClient.body(SEARCH, search_variables())
    es_body = prepare(search_request()).body
    services: list[Service] = []
    clients: list[GraphQLClient] = []
    paths: dict[str, Operation] = {}
    measured = sizes(len(docs))
    try:
        for size in measured:
            prefix = run.prefix(f"scale{size}")
            await ensure_indices(client, prefix)
            alias = alias_name(prefix, PRODUCTS)
            run.console.log(f"scale: loading {size:,} products")
            await raw.bulk(client, alias, docs[:size])
            await client.indices.refresh(index=alias)
            waited = await merges_settled(client, alias)
            run.console.log(f"scale: merges settled after {waited:.0f} s")
            services.append(run.service(run.main_database, prefix, sync_in_process=False))
            clients.append(GraphQLClient(services[-1].url))
            paths[f"ours {size}"] = _our_search(clients[-1], body)
            paths[f"limit {size}"] = _raw_search(client, alias, es_body)
        run.console.log(f"scale: measuring {', '.join(f'{size:,}' for size in measured)} side by side")
        results = await compare(
            paths,
            concurrency=1,
            seconds=run.settings.seconds,
            bursts=run.settings.repetitions,
            probes={},
            warmup=run.settings.seconds,
        )
    finally:
        for graphql in clients:
            await graphql.close()
        await client.close()
        for service in services:
            run.stop_service(service)
    p50s = {size: results[f"ours {size}"].p50 for size in measured}
    for size, p50 in p50s.items():
        run.report.rows.append(Row("scale", f"search p50 @ {size:,}", "s", p50, results[f"limit {size}"].p50, None))
    smallest, largest = min(p50s), max(p50s)
    run.report.rows.append(
        Row(
            "scale", f"search p50 growth {smallest:,}→{largest:,}", "s", p50s[largest], p50s[smallest], TARGET,
            note="ratio = our p50 at the largest size / our p50 at the smallest",
        )
    )  # fmt: skip


def _our_search(graphql: GraphQLClient, body: bytes) -> Operation:
    async def ours(_: int) -> None:
        if (await graphql.post(body)).status != 200:
            raise HttpError("searchProducts failed")

    return ours


def _raw_search(client: AsyncElasticsearch, alias: str, es_body: dict[str, Any]) -> Operation:
    async def limit(_: int) -> None:
        await raw.search(client, alias, es_body)

    return limit
