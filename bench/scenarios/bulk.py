"""Bulk writes: bulkCreateProducts rows per second over HTTP, against SQLAlchemy Core inserts of the same rows
and outbox rows (executemany, one transaction per batch of the same size), on SQLite and on PostgreSQL.

One loader at a time on both sides (how an import tool sends batches), interleaved bursts; CPU per row. The
service runs with its in-process sync worker off, as in the write scenario."""

from __future__ import annotations

from api.demo import catalog_data as catalog
from bench.http import GraphQLClient
from bench.load import Operation, PathResult, compare
from bench.report import Row
from bench.run import Run
from bench.scenarios.write import RawWriter, create_input
from domain.model.commands import CreateProduct
from domain.storage.migrate import upgrade

TARGET = 0.6
ROWS = 250
BATCHES_QUICK = 16
BATCHES_FULL = 400

BULK_CREATE = """
mutation Bulk($inputs: [CreateProductInput!]!) {
  bulkCreateProducts(inputs: $inputs) { ok written consistencyToken rows { index ok errors { code field } } }
}
"""


def _batch(number: int, sku_prefix: str) -> list[CreateProduct]:
    return list(catalog.products(number * ROWS, (number + 1) * ROWS, sku_prefix=sku_prefix))


def _row(backend: str, results: dict[str, PathResult]) -> Row:
    ours, limit = results["ours"], results["limit"]
    cpu = {f"ours:{k}": round(v / ROWS, 4) for k, v in ours.cpu_ms_per_op().items()}
    cpu |= {f"limit:{k}": round(v / ROWS, 4) for k, v in limit.cpu_ms_per_op().items()}
    return Row(
        "bulk", f"bulkCreateProducts rows/s {backend}", "rows/s", ours.throughput * ROWS, limit.throughput * ROWS,
        TARGET, "higher", cpu_ms_per_op=cpu,
        note=f"{ROWS} rows a request; ours p50 {ours.p50 * 1000:.0f} ms, limit p50 {limit.p50 * 1000:.0f} ms a batch",
    )  # fmt: skip


async def _backend(run: Run, backend: str, database_url: str) -> None:
    upgrade(database_url)
    service = run.service(database_url, run.prefix(f"bulk-{backend}"), sync_in_process=False)
    raw = RawWriter(database_url, {})
    client = GraphQLClient(service.url, service.token("catalog:write"))
    batches = BATCHES_QUICK if run.settings.quick else BATCHES_FULL
    tag = backend[:2].upper()
    run.console.log(f"bulk: preparing {batches:,} batches of {ROWS} rows for each side on {backend}")
    ours_bodies = iter(
        [GraphQLClient.body(BULK_CREATE, {"inputs": [create_input(c)["input"] for c in _batch(b, f"BOUR{tag}")]})
         for b in range(batches)]
    )  # fmt: skip
    limit_rows = iter([raw.create_rows_together(_batch(b, f"BRAW{tag}")) for b in range(batches)])

    async def ours(_: int) -> None:
        await client.command(next(ours_bodies), "bulkCreateProducts")

    async def limit(_: int) -> None:
        rows = next(limit_rows)
        if raw.postgres:
            await raw.insert_async(rows)
        else:
            raw.insert_sync(rows)

    paths: dict[str, Operation] = {"ours": ours, "limit": limit}
    bursts = run.settings.repetitions * 2
    try:
        run.console.log(f"bulk: bulkCreateProducts on {backend}")
        results = await compare(
            paths, concurrency=1, seconds=run.settings.seconds * 2, bursts=bursts,
            probes=run.cpu_probes(service), max_ops=batches // (bursts + 2),
        )  # fmt: skip
        run.report.rows.append(_row(backend, results))
    finally:
        await client.close()
        await raw.close()
        run.stop_service(service)


async def run(run: Run) -> None:
    await _backend(run, "sqlite", run.sqlite_url("bulk"))
    if run.postgres is not None:
        await _backend(run, "postgres", run.postgres.new_database("bench_bulk"))
