"""The main stack every read scenario shares: the seeded SQLite write model, its index, and `catalog serve`."""

from __future__ import annotations

from sqlalchemy import select

from bench.ours import sync_until_caught_up
from bench.run import Run
from bench.services import Service
from domain.storage.engine import create_sync
from domain.storage.tables import products


async def ensure_main_indexed(run: Run) -> None:
    """Seeds the main database and indexes it through our sync path (unless the sync scenario already did)."""
    database = run.ensure_main_database()
    if not run.main_indexed:
        run.console.log("indexing the main catalog with the sync worker")
        await sync_until_caught_up(run, database, run.main_prefix, refresh=True)
        run.main_indexed = True


async def main_service(run: Run) -> Service:
    """`catalog serve` on the main stack, started once per run (the in-process sync worker on)."""
    await ensure_main_indexed(run)
    if run.main_service is None or run.main_service.process is None:
        run.console.log("starting catalog serve on the main stack")
        run.main_service = run.service(run.main_database, run.main_prefix)
    return run.main_service


async def product_ids(run: Run, count: int) -> list[str]:
    """Ids of `count` products of the main catalog, spread over it."""
    engine = create_sync(run.ensure_main_database())
    try:
        with engine.connect() as connection:
            every = max(1, run.settings.products // count)
            ids = [row.id for row in connection.execute(select(products.c.id).order_by(products.c.sku))]
    finally:
        engine.dispose()
    return ids[::every][:count]
