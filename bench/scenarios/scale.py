"""Scale: searchProducts p50 (text, two filters, all facets) as the index grows from N/100 to N/10 to N products.

One index, served by its own `catalog serve` (sync worker off), is filled stepwise with the main catalog's
documents; at each size our search and the identical raw request are measured, interleaved, at concurrency 1.
Target: our p50 at N is less than 2x our p50 at N/100 (with N = 1,000,000: 10k -> 100k -> 1M).

Each size is measured once Elasticsearch has finished the merges the bulk load started: right after loading
900 000 documents the index has 60-70 segments and merges running (p50 55 ms at 1M), a few minutes later 15
segments (20 ms). A catalog serves reads for far longer in the settled state, so that is the one measured."""

from __future__ import annotations

import asyncio
import time

from elasticsearch import AsyncElasticsearch

from bench import raw
from bench.http import GraphQLClient, HttpError
from bench.load import compare
from bench.measure import freeze_heap
from bench.queries import SEARCH, search_request, search_variables
from bench.report import Row
from bench.run import Run
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
    engine = create_sync(run.ensure_main_database())  # its own index is filled from the write model's states
    try:
        docs = raw.final_documents(engine)
    finally:
        engine.dispose()
    freeze_heap()
    prefix = run.prefix("scale")
    client = run.es_client()
    await ensure_indices(client, prefix)
    alias = alias_name(prefix, PRODUCTS)
    service = run.service(run.main_database, prefix, sync_in_process=False)
    graphql = GraphQLClient(service.url)
    body = GraphQLClient.body(SEARCH, search_variables())
    es_body = prepare(search_request()).body
    p50s: dict[int, float] = {}
    loaded = 0
    try:
        for size in sizes(len(docs)):
            run.console.log(f"scale: growing the index to {size:,} products")
            await raw.bulk(client, alias, docs[loaded:size])
            loaded = size
            await client.indices.refresh(index=alias)
            waited = await merges_settled(client, alias)
            run.console.log(f"scale: merges settled after {waited:.0f} s")

            async def ours(_: int) -> None:
                if (await graphql.post(body)).status != 200:
                    raise HttpError("searchProducts failed")

            async def limit(_: int) -> None:
                await raw.search(client, alias, es_body)

            results = await compare(
                {"ours": ours, "limit": limit},
                concurrency=1,
                seconds=run.settings.seconds,
                bursts=run.settings.repetitions,
                probes=run.cpu_probes(service),
            )
            p50s[size] = results["ours"].p50
            run.report.rows.append(
                Row("scale", f"search p50 @ {size:,}", "s", results["ours"].p50, results["limit"].p50, None)
            )
    finally:
        await graphql.close()
        await client.close()
        run.stop_service(service)
    smallest, largest = min(p50s), max(p50s)
    run.report.rows.append(
        Row(
            "scale", f"search p50 growth {smallest:,}→{largest:,}", "s", p50s[largest], p50s[smallest], TARGET,
            note="ratio = our p50 at the largest size / our p50 at the smallest",
        )
    )  # fmt: skip
