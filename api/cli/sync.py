"""`catalog sync`: the sync worker standalone (`--once` to catch up and exit), and `catalog sync status`.

`runtime()` gives the sync, deadletter, reindex and verify commands an engine and an Elasticsearch client, built
with the composition root's own helpers (the client as `catalog serve` has it, timing its requests into the
runtime's registry, which `catalog sync --metrics-port` serves).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import click
from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry, start_http_server
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bootstrap import elasticsearch_client, index_layout, outbox_partitions
from api.cli.common import WORKER_YOUNG_OBJECTS, collect_less_often, freeze_startup_heap, settings_from_environment
from api.cli.exit_codes import ExitCode
from api.cli.managed_elasticsearch import elasticsearch_url
from api.elasticsearch_metrics import ElasticsearchMetrics
from api.settings import Settings
from api.startup_errors import StartupError
from api.webhook_options import webhook_options
from domain.outbox import MAX_PARTITIONS, OutboxPosition
from domain.storage.database_errors import is_unavailable
from domain.storage.engine import UnsupportedDatabase, create_async
from domain.storage.schema_revision import check_schema
from sync.options import SyncOptions
from sync.repartition import Repartitioned, RepartitionRefused, repartition
from sync.retry import DATABASE_ERRORS
from sync.status import SyncStatus, read_status
from sync.webhooks.worker import WebhookWorker
from sync.worker import SyncWorker

log = logging.getLogger("catalog.sync")


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    client: AsyncElasticsearch
    registry: CollectorRegistry

    @property
    def prefix(self) -> str:
        return self.settings.index_prefix


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """A read-mostly engine (SQLite: deferred transactions, so the worker's reads never block writers), on a
    database whose schema is this release's (`SchemaMismatch` otherwise: these commands never migrate)."""
    try:
        engine = create_async(settings.database_url, pool_size=5, sqlite_immediate=False)
    except UnsupportedDatabase as error:
        raise StartupError(str(error)) from None
    try:
        await _check_schema_unless_down(engine)
        yield engine
    finally:
        await engine.dispose()


async def _check_schema_unless_down(engine: AsyncEngine) -> None:
    """A database down is left to the command, which meets it its own way: `reindex` waits it out (then its rebuild
    checks the schema), the others exit 3."""
    try:
        async with engine.connect() as connection:
            await check_schema(connection)
    except DATABASE_ERRORS as error:
        if not is_unavailable(error):
            raise


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The engine and the Elasticsearch client (the managed local node, started, when no URL is configured)."""
    async with database(settings) as engine:
        registry = CollectorRegistry()
        client = elasticsearch_client(await elasticsearch_url(settings), ElasticsearchMetrics(registry))
        freeze_startup_heap()
        try:
            yield Runtime(settings, engine, client, registry)
        finally:
            await client.close()


def _install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            log.warning("event=forced_exit signal=%s", signal.Signals(signum).name)
            os._exit(128 + signum)
        log.info(
            "event=stopping signal=%s action=finishing the current batch (again to force)", signal.Signals(signum).name
        )
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)


async def _run_worker(
    settings: Settings, once: bool, metrics_port: int | None, options: SyncOptions, owner: str | None
) -> None:
    collect_less_often(WORKER_YOUNG_OBJECTS)
    async with runtime(settings) as rt:
        await outbox_partitions(rt.engine, settings)  # CATALOG_SYNC_PARTITIONS, when set, must agree
        if metrics_port is not None:
            start_http_server(metrics_port, registry=rt.registry)
            log.info("event=metrics_served port=%d path=/metrics", metrics_port)
        worker = SyncWorker(rt.engine, rt.client, rt.prefix, options, owner=owner, registry=rt.registry)
        stop = asyncio.Event()
        _install_stop_signals(stop)
        if not once:
            await _run_with_webhooks(worker, settings, stop, owner, rt.registry)
            return
        runner = asyncio.create_task(worker.run_until_caught_up())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not runner.done():
            runner.cancel()
        position = (await asyncio.gather(runner, return_exceptions=True))[0]
        if isinstance(position, OutboxPosition):
            click.echo(f"caught up at {position.token()}")


async def _run_with_webhooks(
    worker: SyncWorker, settings: Settings, stop: asyncio.Event, owner: str | None, registry: CollectorRegistry
) -> None:
    """The index projection and (unless `CATALOG_WEBHOOKS_DELIVERY=false`) webhook delivery, on engines of their own."""
    if not settings.webhooks_delivery:
        await worker.run(stop)
        return
    async with database(settings) as engine:
        timing = worker.options  # the command line's, for both subscriptions
        options = dataclasses.replace(
            webhook_options(settings), lease_seconds=timing.lease_seconds, poll_seconds=timing.poll_seconds
        )
        webhooks = WebhookWorker(engine, options, owner=owner, registry=registry)
        await asyncio.gather(worker.run(stop), webhooks.run(stop))


@click.group(invoke_without_command=True)
@click.option("--once", is_flag=True, help="Apply everything committed so far, then exit.")
@click.option("--metrics-port", type=click.IntRange(1, 65535), help="Serve Prometheus metrics on this port.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), help="Most events per bulk (default: settings).")
@click.option(
    "--lease-seconds", type=click.FloatRange(min=0.5), default=15.0, show_default=True, help="Of both leases."
)
@click.option(
    "--poll-seconds", type=click.FloatRange(min=0.01), default=0.1, show_default=True, help="Of both outbox readers."
)
@click.option("--owner", help="This worker's name in the lease (default: host:pid:random).")
@click.pass_context
def sync(  # noqa: PLR0917 (one parameter per option: click's way)
    ctx: click.Context,
    once: bool,
    metrics_port: int | None,
    batch_size: int | None,
    lease_seconds: float,
    poll_seconds: float,
    owner: str | None,
) -> None:
    """Keep the Elasticsearch read models in step with the outbox (Ctrl-C stops after the current batch), and
    deliver webhooks (unless CATALOG_WEBHOOKS_DELIVERY=false; --once only indexes).

    Several `catalog sync` processes may run at once: they share the outbox's partitions (each takes up to its
    fair share of the partitions' leases), so up to one per partition indexes at a time; webhook delivery reads
    the whole outbox under one lease: one process delivers, the others stand by.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from_environment()
    batch = batch_size or settings.sync_batch_size
    options = SyncOptions(
        batch_size=batch,
        lease_seconds=lease_seconds,
        poll_seconds=poll_seconds,
        index_layout=index_layout(settings),
    )
    asyncio.run(_run_worker(settings, once, metrics_port, options, owner))


def _print_status(status: SyncStatus) -> None:
    rows = [
        ("subscription", status.subscription),
        ("partitions", str(len(status.partitions))),
        ("checkpoint", f"{status.checkpoint.token()} (the lowest partition's)"),
        ("head", status.head.token()),
        ("behind", f"{status.events_behind} events, {status.seconds_behind:.1f} s"),
        ("dead letters", str(status.dead_letters)),
    ]
    for name, value in rows:
        click.echo(f"{name:<13} {value}")
    click.echo(f"{'partition':<10} {'checkpoint':<24} {'behind':<22} {'dead letters':<13} lease")
    for part in status.partitions:
        lease = "none" if part.lease_owner is None else f"{part.lease_owner} until {part.lease_expires_at:%H:%M:%S}"
        behind = f"{part.events_behind} events, {part.seconds_behind:.1f} s"
        click.echo(f"{part.partition:<10} {part.checkpoint.token():<24} {behind:<22} {part.dead_letters:<13} {lease}")


async def _status(settings: Settings) -> SyncStatus:
    async with database(settings) as engine:
        return await read_status(engine)


@sync.command()
@click.option(
    "--max-lag-seconds", type=click.FloatRange(min=0), help="Exit 1 when the oldest unapplied event is older."
)
@click.option("--max-lag-events", type=click.IntRange(min=0), help="Exit 1 when more events are unapplied.")
def status(max_lag_seconds: float | None, max_lag_events: int | None) -> None:
    """Print checkpoint, head, backlog and dead letters; a health check with the thresholds.

    Reads the database only. Exit 1: lagging; 3: the database does not answer.
    """
    current = asyncio.run(_status(settings_from_environment()))
    _print_status(current)
    if current.lagging(max_events=max_lag_events, max_seconds=max_lag_seconds):
        click.echo("lagging: behind by more than the thresholds", err=True)
        sys.exit(ExitCode.FOUND)


async def _repartition(settings: Settings, partitions: int) -> Repartitioned:
    async with runtime(settings) as rt:
        return await repartition(rt.engine, rt.client, rt.prefix, partitions)


@sync.command(name="repartition")
@click.option("--partitions", type=click.IntRange(1, MAX_PARTITIONS), required=True, help="The new partition count.")
def repartition_command(partitions: int) -> None:
    """Split the outbox into another number of partitions (writers and workers stopped, every partition caught
    up; see docs/sync.md). Refused, changing nothing, otherwise."""
    try:
        done = asyncio.run(_repartition(settings_from_environment(), partitions))
    except RepartitionRefused as refused:
        click.echo(f"refused: {refused}", err=True)
        sys.exit(ExitCode.FOUND)
    click.echo(
        f"repartitioned: {done.before} -> {done.after} partitions, {done.moved} records moved, every partition at "
        f"{done.position.token()}; set CATALOG_SYNC_PARTITIONS={done.after} where it is set, then start the service"
    )
