"""Read path: searchProducts (text, two filters, every facet) and product(id) over HTTP, against the identical
Elasticsearch request sent with elasticsearch-py, at concurrency 1 and 16, interleaved burst by burst."""

from __future__ import annotations

import random

from bench import raw
from bench.http import GraphQLClient, HttpError
from bench.load import PathResult, compare
from bench.queries import PRODUCT, SEARCH, search_request, search_variables
from bench.report import Row
from bench.run import Run
from bench.stack import main_service, product_ids
from read_index.indices import PRODUCTS, alias_name
from read_index.search import PRODUCT_SOURCE, prepare

TARGET = 1.3
CONCURRENCIES = (1, 16)


def _rows(metric: str, concurrency: int, results: dict[str, PathResult]) -> list[Row]:
    ours, limit = results["ours"], results["limit"]
    cpu = {f"ours:{k}": v for k, v in ours.cpu_ms_per_op().items()}
    cpu |= {f"limit:{k}": v for k, v in limit.cpu_ms_per_op().items()}
    return [
        Row("read", f"{metric} p50 @c{concurrency}", "s", ours.p50, limit.p50, TARGET, cpu_ms_per_op=cpu),
        Row("read", f"{metric} p99 @c{concurrency}", "s", ours.p99, limit.p99, None),
        Row("read", f"{metric} req/s @c{concurrency}", "req/s", ours.throughput, limit.throughput, None, "higher"),
    ]


async def run(run: Run) -> None:
    service = await main_service(run)
    client = GraphQLClient(service.url)
    es = run.es_client()
    alias = alias_name(run.main_prefix, PRODUCTS)
    search_body = GraphQLClient.body(SEARCH, search_variables())
    es_body = prepare(search_request()).body
    first = (await client.execute(SEARCH, search_variables()))["searchProducts"]
    expected = await raw.search(es, alias, es_body)
    if first["totalCount"] != expected["hits"]["total"]["value"]:
        raise RuntimeError(f"our search found {first['totalCount']}, the raw request {expected['hits']['total']}")
    ids = await product_ids(run, 2_000)
    rng = random.Random(7)
    id_order = [rng.choice(ids) for _ in range(4096)]
    product_bodies = [GraphQLClient.body(PRODUCT, {"id": key}) for key in id_order]

    async def our_search(_: int) -> None:
        if (await client.post(search_body)).status != 200:
            raise HttpError("searchProducts failed")

    async def raw_search(_: int) -> None:
        await raw.search(es, alias, es_body)

    async def our_product(i: int) -> None:
        if (await client.post(product_bodies[i % len(product_bodies)])).status != 200:
            raise HttpError("product failed")

    async def raw_product(i: int) -> None:
        await raw.get_source(es, alias, id_order[i % len(id_order)], PRODUCT_SOURCE)

    settings = run.settings
    probes = run.cpu_probes(service)
    details: dict[str, object] = {"total_hits": first["totalCount"]}
    try:
        for metric, ours, limit in (("search", our_search, raw_search), ("product", our_product, raw_product)):
            for concurrency in CONCURRENCIES:
                run.console.log(f"read: {metric} at concurrency {concurrency}")
                results = await compare(
                    {"ours": ours, "limit": limit},
                    concurrency=concurrency,
                    seconds=settings.seconds * 2,
                    bursts=settings.repetitions * 2,
                    probes=probes,
                )
                run.report.rows.extend(_rows(metric, concurrency, results))
                details[f"{metric}@c{concurrency}"] = {
                    name: {"ops": r.operations, "cpu_ms_per_op": r.cpu_ms_per_op()} for name, r in results.items()
                }
    finally:
        await client.close()
        await es.close()
    run.report.details["read"] = details
