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
from api.cli.common import WORKER_YOUNG_OBJECTS, collect_less_often, freeze_startup_heap, settings_from_environment
from api.cli.exit_codes import ExitCode
from api.cli.failures import OperatorError
from api.cli.sync import runtime
from read_index.indices import READ_MODELS
from sync.options import SyncOptions
from sync.rebuild import rebuild
from sync.rebuild_report import RebuildProgress, RebuildReport
from sync.retry import OutageTooLong

DEFAULT_MAX_OUTAGE_SECONDS = 300.0


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-/s" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


class _Bars:
    """Progress bars on stderr, shown from the first update on: a rebuild that fails before it copies anything
    (a store down) leaves its one line alone."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[tuple[str, str | None], TaskID] = {}

    def __call__(self, update: RebuildProgress) -> None:
        if not self._tasks:
            self._progress.start()
        key = (update.phase, update.read_model)
        if key not in self._tasks:
            label = update.phase if update.read_model is None else f"{update.phase} {update.read_model}"
            self._tasks[key] = self._progress.add_task(label, total=update.total)
        self._progress.update(self._tasks[key], completed=update.done, total=update.total)

    def close(self) -> None:
        if self._tasks:
            self._progress.stop()


async def _reindex(
    models: list[str], keep_old: bool, merge: bool, batch_size: int | None, max_outage: float
) -> RebuildReport:
    async with runtime(settings_from_environment()) as rt:
        freeze_startup_heap()
        batch = batch_size or rt.settings.sync_batch_size
        layout = index_layout(rt.settings)
        options = SyncOptions(batch_size=batch, index_layout=layout, give_up_after_seconds=max_outage)
        columns = (
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
        )
        bars = _Bars(Progress(*columns, console=Console(stderr=True)))
        try:
            return await rebuild(
                rt.engine,
                rt.client,
                rt.prefix,
                models,
                options=options,
                keep_old=keep_old,
                merge=merge,
                on_progress=bars,
            )
        finally:
            bars.close()


@click.command()
@click.option(
    "--read-model", type=click.Choice([*READ_MODELS, "all"]), default="all", show_default=True, help="What to rebuild."
)
@click.option("--keep-old", is_flag=True, help="Keep the previous indices (default: delete them after the swap).")
@click.option(
    "--merge/--no-merge",
    default=True,
    show_default=True,
    help="Merge each new index down to one segment per shard after the swap, in the background (faster searches).",
)
@click.option("--batch-size", type=click.IntRange(1, 10_000), help="Documents per bulk (default: settings).")
@click.option(
    "--max-outage-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_MAX_OUTAGE_SECONDS,
    show_default=True,
    help="How long an outage of the database or Elasticsearch is waited out before giving up (exit 3).",
)
def reindex(read_model: str, keep_old: bool, merge: bool, batch_size: int | None, max_outage_seconds: float) -> None:
    """Build fresh indices from the write model, replay what changed meanwhile, swap the aliases atomically.

    Queries keep being answered from the old indices until the swap; the sync worker may keep running. A store
    that stops answering is waited for (one line when the wait starts, one when it ends), at most
    --max-outage-seconds per outage.
    """
    models = list(READ_MODELS) if read_model == "all" else [read_model]
    collect_less_often(WORKER_YOUNG_OBJECTS)  # it runs the worker's pipeline, with the worker's heap
    try:
        report = asyncio.run(_reindex(models, keep_old, merge, batch_size, max_outage_seconds))
    except OutageTooLong as error:
        message = f"{error}; the rebuild stopped: run `catalog reindex` again once it answers"
        raise OperatorError(ExitCode.UNAVAILABLE, message) from None
    for index in report.indices:
        previous = f" (was {index.previous})" if index.previous else ""
        click.echo(f"{index.read_model}: {index.copied} documents copied into {index.index}{previous}")
        if index.merged_to is not None:
            click.echo(f"{index.read_model}: merging to {index.merged_to} segment(s) per shard in the background")
    end = report.end.token() if report.end is not None else "-"
    click.echo(f"replayed {report.replayed} outbox records, up to {end}; refused {report.refused}")
