"""Scale: searchProducts p50 (text, two filters, all facets) at N/1000, N/100, N/10 and N products.

Each size is an index of its own, filled with the first products of the main catalog and served by its own
`catalog serve` (sync worker off). Once all of them are loaded and settled, the sizes are measured together,
our search and the identical raw request for each, alternating burst by burst across all of them at
concurrency 1. Target: our p50 at N is less than 2x our p50 at N/1000 (with N = 1,000,000: 1k -> 1M).

Each index is measured in the layout `catalog reindex` leaves: bulk-loaded, then merged to one segment per shard
(`read_index.segments`). The largest size is also measured as the bulk load leaves it once Elasticsearch's own
merges have settled (an index the worker filled and no rebuild has merged since): a clone of it taken before the
merge, its row and growth reported without a target.

Measuring the sizes side by side matters: measured one after the other while the index grew, the first size
was also the first load the node saw, and a freshly started node is still compiling its search path for
minutes (12.4, then 10.2, then 9.2 ms for the same search at 10 000 products over three minutes of load), so
the growth depended on how warm the node happened to be. Each index is measured once Elasticsearch has
finished the merges its bulk load started: right after loading 1 000 000 documents an index has 60-70 segments
and merges running (p50 55 ms), a few minutes later 15 segments (20 ms); a catalog serves reads for far longer
in the settled state, so that is the one measured."""

from __future__ import annotations

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
from read_index.indices import (
    PRODUCTS,
    IndexLayout,
    alias_name,
    current_index,
    ensure_indices,
    fresh_index_name,
    swap_alias,
)
from read_index.search import prepare

TARGET = 2.0


def sizes(products: int) -> list[int]:
    return sorted({max(100, products // 1000), max(100, products // 100), max(100, products // 10), products})


AS_LOADED = "as bulk-loaded"


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

    def start(label: str, prefix: str) -> None:
        services.append(run.service(run.main_database, prefix, sync_in_process=False))
        clients.append(GraphQLClient(services[-1].url))
        paths[f"ours {label}"] = _our_search(clients[-1], body)
        paths[f"limit {label}"] = _raw_search(client, alias_name(prefix, PRODUCTS), es_body)

    try:
        for size in measured:
            prefix = run.prefix(f"scale{size}")
            index = await _load(run, client, prefix, docs[:size])
            if size == measured[-1]:
                loaded_prefix = run.prefix(f"scale{size}loaded")
                await _clone_behind(client, index, loaded_prefix, run.elasticsearch.layout)
                start(f"{size} {AS_LOADED}", loaded_prefix)
            waited = await raw.rebuilt_layout(client, index)
            run.console.log(f"scale: merged as a rebuild leaves it after {waited:.0f} s")
            start(str(size), prefix)
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
    largest_loaded = f"{measured[-1]} {AS_LOADED}"
    p50s = {size: results[f"ours {size}"].p50 for size in measured}
    for size, p50 in p50s.items():
        run.report.rows.append(Row("scale", f"search p50 @ {size:,}", "s", p50, results[f"limit {size}"].p50, None))
    smallest, largest = min(p50s), max(p50s)
    run.report.rows.append(
        Row(
            "scale", f"search p50 growth {smallest:,}→{largest:,}", "s", p50s[largest], p50s[smallest], TARGET,
            note="ratio = our p50 at the largest size / our p50 at the smallest; each index as a rebuild leaves it",
        )
    )  # fmt: skip
    loaded, loaded_limit = results[f"ours {largest_loaded}"].p50, results[f"limit {largest_loaded}"].p50
    run.report.rows += [
        Row("scale", f"search p50 @ {largest:,} {AS_LOADED}", "s", loaded, loaded_limit, None),
        Row(
            "scale", f"search p50 growth {smallest:,}→{largest:,} {AS_LOADED}", "s", loaded, p50s[smallest], None,
            note="the largest index as the bulk load left it (Elasticsearch's merges settled), not merged",
        ),
    ]  # fmt: skip


async def _load(run: Run, client: AsyncElasticsearch, prefix: str, docs: list[raw.VersionedDoc]) -> str:
    """Bulk-loads `docs` behind `prefix`'s products alias and waits for the merges the load started; returns the
    concrete index."""
    await ensure_indices(client, prefix, run.elasticsearch.layout)
    alias = alias_name(prefix, PRODUCTS)
    run.console.log(f"scale: loading {len(docs):,} products")
    await raw.bulk(client, alias, docs)
    await client.indices.refresh(index=alias)
    waited = await raw.merges_settled(client, alias)
    run.console.log(f"scale: merges settled after {waited:.0f} s")
    index = await current_index(client, prefix, PRODUCTS)
    assert index is not None
    return index


async def _clone_behind(client: AsyncElasticsearch, index: str, prefix: str, layout: IndexLayout) -> None:
    """Points `prefix`'s products alias at a clone of `index` (hard links: same segments, no copy)."""
    await ensure_indices(client, prefix, layout)
    clone = fresh_index_name(prefix, PRODUCTS)
    await client.indices.put_settings(index=index, settings={"index.blocks.write": True})
    found = await client.indices.get_settings(index=index, name="index.number_of_replicas")
    replicas = found[index]["settings"]["index"]["number_of_replicas"]  # a clone gets the cluster's default else
    settings = {"index.blocks.write": None, "index.number_of_replicas": replicas}
    await client.indices.clone(index=index, target=clone, settings=settings)
    await client.indices.put_settings(index=index, settings={"index.blocks.write": None})
    await client.cluster.health(index=clone, wait_for_status="green", timeout="120s")
    await swap_alias(client, prefix, PRODUCTS, clone)


def _our_search(graphql: GraphQLClient, body: bytes) -> Operation:
    async def ours(_: int) -> None:
        if (await graphql.post(body)).status != 200:
            raise HttpError("searchProducts failed")

    return ours


def _raw_search(client: AsyncElasticsearch, alias: str, es_body: dict[str, Any]) -> Operation:
    async def limit(_: int) -> None:
        await raw.search(client, alias, es_body)

    return limit
