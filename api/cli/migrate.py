"""`catalog migrate`: apply pending database migrations and say what was done."""

from __future__ import annotations

import asyncio

import click

from api.bootstrap import migrate as apply_migrations
from api.cli.common import settings_from_environment
from api.store_errors import redacted_database_url


@click.command()
def migrate() -> None:
    """Apply pending migrations to CATALOG_DATABASE_URL (`catalog serve` does this too, at start-up)."""
    settings = settings_from_environment()
    applied = asyncio.run(apply_migrations(settings.database_url))
    where = redacted_database_url(settings.database_url)
    if not applied:
        click.echo(f"{where}: up to date, nothing to apply")
        return
    for revision in applied:
        click.echo(f"{where}: applied {revision}")
