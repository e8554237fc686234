"""Deep pages: page 500 of a listing (20 per page, by price, walked with cursors) against page 1 of the same
listing, interleaved at concurrency 1. Cursors carry ``search_after`` values, so a deep page should cost what a
first page costs."""

from __future__ import annotations

from bench.http import GraphQLClient, HttpError
from bench.load import compare
from bench.queries import LISTING
from bench.report import Row
from bench.run import Run
from bench.stack import main_service

TARGET = 1.3
PAGE_SIZE = 20
DEEP_PAGE = 500


async def run(run: Run) -> None:
    service = await main_service(run)
    client = GraphQLClient(service.url)
    deep = min(DEEP_PAGE, run.settings.products // PAGE_SIZE - 1)
    variables: dict[str, object] = {"sort": "PRICE_ASC", "first": PAGE_SIZE, "after": None}
    run.console.log(f"deep pages: walking to page {deep}")
    try:
        after = None
        for _ in range(deep - 1):
            page = (await client.execute(LISTING, {**variables, "after": after}))["searchProducts"]
            after = page["pageInfo"]["endCursor"]
        first_body = GraphQLClient.body(LISTING, variables)
        deep_body = GraphQLClient.body(LISTING, {**variables, "after": after})
        deep_page = (await client.execute(LISTING, {**variables, "after": after}))["searchProducts"]
        if len(deep_page["edges"]) != PAGE_SIZE:
            raise RuntimeError(f"page {deep} has {len(deep_page['edges'])} products, not {PAGE_SIZE}")

        async def page_one(_: int) -> None:
            if (await client.post(first_body)).status != 200:
                raise HttpError("page 1 failed")

        async def page_deep(_: int) -> None:
            if (await client.post(deep_body)).status != 200:
                raise HttpError(f"page {deep} failed")

        results = await compare(
            {"deep": page_deep, "first": page_one},
            concurrency=1,
            seconds=run.settings.seconds * 2,
            bursts=run.settings.repetitions * 2,
            probes=run.cpu_probes(service),
        )
    finally:
        await client.close()
    ours, limit = results["deep"], results["first"]
    run.report.rows.append(
        Row(
            "deep_pages", f"page {deep} p50 vs page 1 p50", "s", ours.p50, limit.p50, TARGET,
            cpu_ms_per_op={f"deep:{k}": v for k, v in ours.cpu_ms_per_op().items()}
            | {f"first:{k}": v for k, v in limit.cpu_ms_per_op().items()},
            note=f"p99 page {deep} {ours.p99 * 1000:.1f} ms, page 1 {limit.p99 * 1000:.1f} ms",
        )
    )  # fmt: skip
