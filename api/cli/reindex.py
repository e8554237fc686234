"""`catalog reindex`: rebuild read models into fresh indices while sync goes on, then swap the aliases."""

from __future__ import annotations

import asyncio

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from api.bootstrap import index_layout
from api.cli.common import settings_from_environment
from api.cli.sync import runtime
from read_index.indices import READ_MODELS
from sync.options import SyncOptions
from sync.rebuild import RebuildProgress, RebuildReport, rebuild


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-/s" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


class _Bars:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[tuple[str, str | None], TaskID] = {}

    def __call__(self, update: RebuildProgress) -> None:
        key = (update.phase, update.read_model)
        if key not in self._tasks:
            label = update.phase if update.read_model is None else f"{update.phase} {update.read_model}"
            self._tasks[key] = self._progress.add_task(label, total=update.total)
        self._progress.update(self._tasks[key], completed=update.done, total=update.total)


async def _reindex(models: list[str], keep_old: bool, batch_size: int | None) -> RebuildReport:
    async with runtime(settings_from_environment()) as rt:
        batch = batch_size or rt.settings.sync_batch_size
        options = SyncOptions(batch_size=batch, index_layout=index_layout(rt.settings))
        columns = (
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=Console(stderr=True)) as progress:
            return await rebuild(
                rt.engine, rt.client, rt.prefix, models, options=options, keep_old=keep_old, on_progress=_Bars(progress)
            )


@click.command()
@click.option(
    "--read-model", type=click.Choice([*READ_MODELS, "all"]), default="all", show_default=True, help="What to rebuild."
)
@click.option("--keep-old", is_flag=True, help="Keep the previous indices (default: delete them after the swap).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), help="Documents per bulk (default: settings).")
def reindex(read_model: str, keep_old: bool, batch_size: int | None) -> None:
    """Build fresh indices from the write model, replay what changed meanwhile, swap the aliases atomically.

    Queries keep being answered from the old indices until the swap; the sync worker may keep running.
    """
    models = list(READ_MODELS) if read_model == "all" else [read_model]
    report = asyncio.run(_reindex(models, keep_old, batch_size))
    for index in report.indices:
        previous = f" (was {index.previous})" if index.previous else ""
        click.echo(f"{index.read_model}: {index.copied} documents copied into {index.index}{previous}")
    end = report.end.token() if report.end is not None else "-"
    click.echo(f"replayed {report.replayed} outbox records, up to {end}; refused {report.refused}")
