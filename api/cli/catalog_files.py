"""`catalog import FILE` and `catalog export FILE`: the catalog as JSON Lines or CSV (docs/import.md)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bootstrap import migrate
from api.catalog_files.exporting import active_products, product_row, stock_rows
from api.catalog_files.formats import PRODUCT_COLUMNS, STOCK_COLUMNS, RowWriter, format_of
from api.catalog_files.importing import CHUNK_ROWS, KINDS, ImportSummary, import_file
from api.cli.common import settings_from_environment
from api.cli.exit_codes import ExitCode
from api.cli.reindex import RateColumn
from api.settings import Settings
from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.storage.engine import create_async, is_sqlite
from domain.storage.unit_of_work import SqlUnitOfWorkFactory

FORMATS = click.Choice(["jsonl", "csv"])


@asynccontextmanager
async def write_model(settings: Settings) -> AsyncIterator[tuple[AsyncEngine, MessageBus]]:
    """The write model alone: an import writes the outbox, the sync worker (`catalog sync`, `serve`) indexes it."""
    await migrate(settings.database_url)
    engine = create_async(settings.database_url)
    factory = SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(settings.database_url))
    try:
        yield engine, MessageBus(factory, COMMAND_HANDLERS, max_batch_rows=sys.maxsize)
    finally:
        factory.close()
        await engine.dispose()


async def _import(path: Path, file_format: str, kind: str, report: Path, *, dry_run: bool, chunk: int) -> ImportSummary:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        RateColumn(),
        TimeElapsedColumn(),
    )
    settings = settings_from_environment()
    # Imported here: the GraphQL stack is a third of the CLI's start-up, which every other command would pay.
    from api.schema.schema import ServedSchema

    schema = ServedSchema(settings).graphql  # rows are checked against the served input types
    async with write_model(settings) as (_, bus):
        with (
            report.open("w", encoding="utf-8", newline="") as errors,
            Progress(*columns, console=Console(stderr=True)) as progress,
        ):
            task = progress.add_task("checking" if dry_run else "importing", total=None)
            return await import_file(
                bus,
                schema,
                path,
                file_format=file_format,
                kind=kind,
                report=errors,
                dry_run=dry_run,
                chunk_rows=chunk,
                progress=lambda rows: progress.advance(task, rows),
            )


@click.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=FORMATS, help="jsonl or csv; default: from the file's extension.")
@click.option("--stock", is_flag=True, help="The rows are receiveStock inputs (sku, quantity), not products.")
@click.option(
    "--errors",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Error report (CSV); default: FILE.errors.csv.",
)
@click.option("--dry-run", is_flag=True, help="Validate every row against the catalog; write nothing.")
@click.option(
    "--chunk", type=click.IntRange(1, 10_000), default=CHUNK_ROWS, show_default=True, help="Rows per transaction."
)
def import_(  # noqa: PLR0917 (click passes options by position)
    file: Path, file_format: str | None, stock: bool, report: Path | None, dry_run: bool, chunk: int
) -> None:
    """Create products (or receive stock) from a JSON Lines or CSV file, each row as its mutation would.

    Rows already written by an earlier run of the same file are not written again, so an interrupted import is
    resumed by running it again. Refused rows are listed in the error report.

    \b
    Exit 0: every row written (or already there); 1: some rows refused (see the report); 3: the database did
    not answer.
    """
    kind = "stock" if stock else "products"
    assert kind in KINDS
    report = report or file.with_name(file.name + ".errors.csv")
    summary = asyncio.run(_import(file, format_of(file, file_format), kind, report, dry_run=dry_run, chunk=chunk))
    verb = "would be written" if dry_run else "written (or already there)"
    click.echo(f"{summary.rows:,} rows: {summary.written:,} {verb}, {summary.refused:,} refused")
    if summary.refused:
        click.echo(f"refused rows: {report}", err=True)
        sys.exit(ExitCode.FOUND)


async def _export(path: Path, file_format: str, stock: Path | None) -> int:
    exported = 0
    async with write_model(settings_from_environment()) as (engine, _):
        stock_file = stock.open("w", encoding="utf-8", newline="") if stock else nullcontext(None)
        with path.open("w", encoding="utf-8", newline="") as out, stock_file as stock_out:
            products = RowWriter(out, file_format, PRODUCT_COLUMNS)
            receipts = None
            if stock is not None and stock_out is not None:
                receipts = RowWriter(stock_out, format_of(stock, None), STOCK_COLUMNS)
            async for product in active_products(engine):
                products.write(product_row(product))
                if receipts is not None:
                    for row in stock_rows(product):
                        receipts.write(row)
                exported += 1
    return exported


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=FORMATS, help="jsonl or csv; default: from the file's extension.")
@click.option(
    "--stock",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write stock on hand here, as receiveStock rows.",
)
def export(file: Path, file_format: str | None, stock: Path | None) -> None:
    """Write the catalog's active products (read from the write model, page by page) in the format `catalog
    import` reads: export, then import into an empty database, gives the same catalog."""
    count = asyncio.run(_export(file, format_of(file, file_format), stock))
    click.echo(f"{count:,} products written to {file}")
