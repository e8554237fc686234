"""`catalog seed --demo [--products N]`: the demo catalog, written through the domain's commands, then indexed.

`catalog serve --demo` runs the same seeding (`seed_with_progress`) when its database is empty.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from api.bootstrap import Services, services
from api.cli.common import settings_from_environment
from api.cli.managed_elasticsearch import with_elasticsearch_url
from api.cli.reindex import RateColumn
from api.demo.seed import DEFAULT_PRODUCTS, item_count, outbox_events, seed_demo, wait_until_indexed

MAX_PRODUCTS = 1_000_000


@dataclass(frozen=True)
class SeedSummary:
    products: int
    events_written: int
    refused: int
    first_refusal: str | None
    write_seconds: float
    indexed_seconds: float | None  # None: no sync worker in this process, `catalog sync` indexes it

    def lines(self) -> list[str]:
        if self.events_written == 0 and not self.refused:
            return [f"demo catalog of {self.products:,} products already there: nothing written"]
        lines = [
            f"demo catalog: {self.products:,} products and their orders, {self.events_written:,} events "
            f"written in {self.write_seconds:.1f} s"
        ]
        if self.indexed_seconds is not None:
            lines.append(f"searchable after {self.indexed_seconds:.1f} s")
        if self.refused:
            lines.append(f"{self.refused} demo items refused, the first: {self.first_refusal}")
        return lines


async def seed_with_progress(built: Services, product_count: int) -> SeedSummary:
    """Seeds with a progress bar on stderr, then waits until searches show it all when the worker runs here."""
    before = await outbox_events(built.engine)
    started = time.perf_counter()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        writing = progress.add_task("demo catalog", total=item_count(product_count))
        result = await seed_demo(built.bus, product_count, lambda done: progress.advance(writing, done))
        write_seconds = time.perf_counter() - started
        indexed_seconds = None
        if built.worker is not None:
            indexing = progress.add_task("indexing", total=None)
            await wait_until_indexed(built.consistency, result.token)
            progress.update(indexing, total=1, completed=1)
            indexed_seconds = time.perf_counter() - started
    written = await outbox_events(built.engine) - before
    return SeedSummary(product_count, written, result.refused, result.first_refusal, write_seconds, indexed_seconds)


async def _seed(product_count: int) -> SeedSummary:
    settings = await with_elasticsearch_url(settings_from_environment())
    async with services(settings) as built:
        return await seed_with_progress(built, product_count)


@click.command()
@click.option("--demo", is_flag=True, required=True, help="Seed the demo catalog (the only kind there is, so far).")
@click.option(
    "--products",
    type=click.IntRange(1, MAX_PRODUCTS),
    default=DEFAULT_PRODUCTS,
    show_default=True,
    help="How many demo products.",
)
def seed(demo: bool, products: int) -> None:
    """Write a realistic, deterministic demo catalog through the domain's commands: brands, a three-level
    category tree, attributes, prices, stock, and a few customers' orders (placed, paid, shipped).

    Idempotent: each command carries an idempotency key named after its demo item, so a second run adds
    nothing. Waits until the catalog is searchable when the sync worker runs in this process (the default).
    """
    summary = asyncio.run(_seed(products))
    for line in summary.lines():
        click.echo(line)
