"""`catalog verify`: every aggregate of the write model against its document; exit 1 on drift, 3 when a store
does not answer (nothing was verified)."""

from __future__ import annotations

import asyncio
import sys

import click

from api.cli.common import settings_from_environment
from api.cli.exit_codes import ExitCode
from api.cli.sync import runtime
from read_index.indices import READ_MODELS
from sync.verify import VerifyReport
from sync.verify import verify as verify_read_models


async def _verify(read_models: list[str], sample: int) -> VerifyReport:
    async with runtime(settings_from_environment()) as rt:
        return await verify_read_models(rt.engine, rt.client, rt.prefix, read_models, sample_size=sample)


@click.command()
@click.option(
    "--read-model", type=click.Choice([*READ_MODELS, "all"]), default="all", show_default=True, help="What to check."
)
@click.option("--sample", type=click.IntRange(min=0), default=10, show_default=True, help="Drifted documents shown.")
def verify(read_model: str, sample: int) -> None:
    """Report documents missing, stale (another version), different (same version, other content) or extra.

    \b
    Exit 0: clean; 1: drift found; 3: the database or Elasticsearch did not answer (nothing was verified).
    Run it on a caught-up deployment (`catalog sync status`): changes in flight look like drift.
    """
    models = list(READ_MODELS) if read_model == "all" else [read_model]
    report = asyncio.run(_verify(models, sample))
    for drift in report.read_models:
        click.echo(
            f"{drift.read_model}: {drift.aggregates} in the write model, {drift.documents} documents; "
            f"missing {drift.missing}, stale {drift.stale}, different {drift.different}, extra {drift.extra}"
        )
        for line in drift.samples:
            click.echo(f"  {line}")
    if not report.clean:
        click.echo("drift: the read models differ from the write model (`catalog reindex` rebuilds them)", err=True)
        sys.exit(ExitCode.FOUND)
    click.echo("clean")
