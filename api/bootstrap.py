"""The composition root: the only module that knows every concrete class. It builds the object graph once per
process, from the settings, and closes it in reverse order on exit. Nothing here runs at import time.

    async with services(settings) as built:
        ...  # built.bus, built.reader, built.authenticator, built.consistency, built.registry, ...

Start-up problems a user can fix (Elasticsearch unreachable, database unreachable, bad key file) raise
`StartupError` (`api/startup_errors.py`) with one line naming what failed, never a traceback; the CLI prints it
and exits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from elastic_transport import AsyncTransport
from elasticsearch import AsyncElasticsearch, OrjsonSerializer
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.consistency import ConsistencyGate
from api.elasticsearch_metrics import ElasticsearchMetrics, measured_transport
from api.elasticsearch_nodes import node_urls
from api.elasticsearch_startup import check_elasticsearch, create_indices, report_reindex_due
from api.fastpath.lean_elasticsearch import LeanConnections, LeanTransport
from api.metrics import CommandMetrics
from api.outages import StoreOutages, WatchedTransport
from api.readiness import database_answers, elasticsearch_answers, one_line
from api.settings import Settings
from api.startup_errors import StartupError, startup_failure
from api.store_errors import DATABASE, redacted_database_url
from api.webhook_options import webhook_options
from api.worker_task import running, waking
from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS, prechecks
from domain.outbox import ConsistencyToken
from domain.storage import outbox_partitioning
from domain.storage.engine import UnsupportedDatabase, create_async, is_sqlite
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from read_index import indices
from read_index.points_in_time import CursorOptions, PointsInTime
from read_index.queries import CatalogReader
from read_index.transport import ClientTransport, ReadTransport
from sync.applied_position import AppliedState, applied_states
from sync.options import SyncOptions
from sync.published_dead_letters import PublishedDeadLetter, dead_letters_within
from sync.webhooks.targets import TargetGuard
from sync.webhooks.worker import WebhookWorker
from sync.worker import SyncWorker

if TYPE_CHECKING:
    from api.auth import Authenticator

log = logging.getLogger(__name__)

ES_REQUEST_TIMEOUT_SECONDS = 10.0
ES_MAX_RETRIES = 2
ES_CONNECTIONS = 64


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    bus: MessageBus
    elasticsearch: AsyncElasticsearch
    elasticsearch_url: str
    reader: CatalogReader
    authenticator: Authenticator
    consistency: ConsistencyGate
    registry: CollectorRegistry
    commands: CommandMetrics
    worker: SyncWorker | None
    webhooks: WebhookWorker | None
    outages: StoreOutages

    async def readiness(self) -> dict[str, bool]:
        """Whether the database and Elasticsearch answer now."""
        database, search = await asyncio.gather(
            database_answers(self.engine), elasticsearch_answers(self.elasticsearch)
        )
        return {"database": database, "elasticsearch": search}


@asynccontextmanager
async def services(settings: Settings, *, run_worker: bool | None = None) -> AsyncIterator[Services]:
    """Everything the API needs, ready; the in-process sync worker runs when `settings.sync_in_process` (or
    `run_worker`) says so. Closed in reverse order on exit. Elasticsearch is the one at
    `settings.elasticsearch_url`, which the caller resolves (the CLI: `api/cli/managed_elasticsearch.py`)."""
    async with AsyncExitStack() as stack:
        authenticator = _authenticator(settings)
        url = _given_elasticsearch_url(settings)
        registry = CollectorRegistry()
        search_metrics = ElasticsearchMetrics(registry)
        client = elasticsearch_client(url, search_metrics)
        stack.push_async_callback(client.close)
        await check_elasticsearch(client, url)
        await migrate(settings.database_url)
        engine = create_async(settings.database_url)
        stack.push_async_callback(engine.dispose)
        partitions = await outbox_partitions(engine, settings)
        await create_indices(client, settings.index_prefix, index_layout(settings), url)
        transport = await stack.enter_async_context(_read_transport(settings, client, url, search_metrics))
        await report_reindex_due(client, settings.index_prefix, registry)
        guard = TargetGuard(allow_private=settings.webhooks_allow_private_targets)
        worker = webhooks = None
        if settings.sync_in_process if run_worker is None else run_worker:
            worker_engine = create_async(settings.database_url, pool_size=5, sqlite_immediate=False)
            stack.push_async_callback(worker_engine.dispose)
            worker = SyncWorker(
                worker_engine,
                client,
                settings.index_prefix,
                SyncOptions(batch_size=settings.sync_batch_size, index_layout=index_layout(settings)),
                registry=registry,
            )
            await stack.enter_async_context(running(worker))
            if settings.webhooks_delivery:  # an engine of its own: its queries never wait for the index's
                webhooks_engine = create_async(settings.database_url, pool_size=5, sqlite_immediate=False)
                stack.push_async_callback(webhooks_engine.dispose)
                options = webhook_options(settings)
                webhooks = WebhookWorker(webhooks_engine, options, registry=registry, guard=guard)
                await stack.enter_async_context(running(webhooks, "webhook_delivery"))
        uow_factory = SqlUnitOfWorkFactory(
            engine, serialize_writes=is_sqlite(settings.database_url), partitions=partitions
        )
        stack.callback(uow_factory.close)  # before the engine is disposed: the exit stack unwinds in reverse
        bus = MessageBus(
            uow_factory,
            COMMAND_HANDLERS,
            on_committed=waking(worker, webhooks),
            prechecks=prechecks(guard),
            max_batch_rows=settings.bulk_max_rows,
        )
        outages = StoreOutages()
        yield Services(
            settings=settings,
            engine=engine,
            bus=bus,
            elasticsearch=client,
            elasticsearch_url=url,
            reader=CatalogReader(
                WatchedTransport(transport, outages), settings.index_prefix, _points_in_time(client, settings)
            ),
            authenticator=authenticator,
            consistency=_consistency_gate(client, settings, outages, partitions),
            registry=registry,
            commands=CommandMetrics(registry),
            worker=worker,
            webhooks=webhooks,
            outages=outages,
        )


@asynccontextmanager
async def _read_transport(
    settings: Settings, client: AsyncElasticsearch, url: str, metrics: ElasticsearchMetrics
) -> AsyncIterator[ReadTransport]:
    """elasticsearch-py; with the fast path, lean connections first where the node allows them."""
    official = ClientTransport(client)
    lean = LeanConnections.for_url(
        url, timeout=ES_REQUEST_TIMEOUT_SECONDS, limit=ES_CONNECTIONS, observe=metrics.observe
    )
    if not settings.fast_path or lean is None:
        yield official
        return
    try:
        yield LeanTransport(lean, official)
    finally:
        await lean.close()


def _points_in_time(client: AsyncElasticsearch, settings: Settings) -> PointsInTime:
    """Left open on exit: a walk may go on through another process until its keep-alive ends."""
    options = CursorOptions(settings.cursor_keep_alive_seconds, settings.cursor_max_points_in_time)
    return PointsInTime(client, settings.index_prefix, options)


def _given_elasticsearch_url(settings: Settings) -> str:
    """The URL the caller resolved: the CLI starts the managed local node when none is configured."""
    if not settings.elasticsearch_url:
        raise StartupError(
            "no Elasticsearch URL: set CATALOG_ELASTICSEARCH_URL, or run `catalog serve`, which starts the managed "
            "local node when it is unset"
        )
    return settings.elasticsearch_url


def elasticsearch_client(url: str, metrics: ElasticsearchMetrics | None = None) -> AsyncElasticsearch:
    """For one node or several (comma-separated): requests go to them in turn, and on a connection error or a
    timeout to the next one (api/elasticsearch_nodes.py). With `metrics`, each request is timed into them."""
    return AsyncElasticsearch(
        node_urls(url),
        serializer=OrjsonSerializer(),
        request_timeout=ES_REQUEST_TIMEOUT_SECONDS,
        max_retries=ES_MAX_RETRIES,
        retry_on_timeout=True,
        connections_per_node=ES_CONNECTIONS,
        transport_class=measured_transport(metrics) if metrics is not None else AsyncTransport,
    )


async def outbox_partitions(engine: AsyncEngine, settings: Settings) -> int:
    """The outbox's partition count, from the database; a StartupError when `CATALOG_SYNC_PARTITIONS` says
    otherwise (a process writing or reading another count would put records where no worker reads them)."""
    async with engine.connect() as connection:
        partitions = await outbox_partitioning.load_partitions(connection)
    if settings.sync_partitions is not None and settings.sync_partitions != partitions:
        raise StartupError(
            f"CATALOG_SYNC_PARTITIONS is {settings.sync_partitions} but the outbox has {partitions} partitions; "
            "change it with `catalog sync repartition` (docs/sync.md, 'Changing the number of partitions')"
        )
    return partitions


async def migrate(database_url: str) -> list[str]:
    """Applies pending migrations; returns the revisions applied (oldest first)."""
    from domain.storage.migrate import UnknownRevision, pending, upgrade  # alembic: only the commands that migrate

    try:
        todo = await asyncio.to_thread(pending, database_url)
        if todo:
            await asyncio.to_thread(upgrade, database_url)
    except UnsupportedDatabase as error:
        raise StartupError(str(error)) from None
    except UnknownRevision as error:
        raise StartupError(f"cannot migrate {redacted_database_url(database_url)}: {error}; run that release") from None
    except (SQLAlchemyError, OSError) as error:
        reason = getattr(error, "orig", None) or error
        message = f"cannot migrate the database at {redacted_database_url(database_url)}: {one_line(reason)}"
        raise startup_failure(message, error, DATABASE) from None
    for revision in todo:
        log.info("event=migration_applied revision=%s", revision)
    return todo


def _authenticator(settings: Settings) -> Authenticator:
    from api.auth import TokenConfigurationError, authenticator_from_settings  # jwt: only `serve` loads it

    try:
        return authenticator_from_settings(settings)
    except TokenConfigurationError as error:
        raise StartupError(str(error)) from None


def index_layout(settings: Settings) -> indices.IndexLayout:
    """The shards and replicas every index is created with (CATALOG_INDEX_SHARDS, CATALOG_INDEX_REPLICAS)."""
    return indices.IndexLayout(shards=settings.index_shards, replicas=settings.index_replicas)


def _consistency_gate(
    client: AsyncElasticsearch, settings: Settings, outages: StoreOutages, partitions: int
) -> ConsistencyGate:
    """Its reads of Elasticsearch raise IndexUnavailable when it cannot answer (see api.outages)."""
    prefix = settings.index_prefix

    async def applied(wanted: Collection[int]) -> dict[int, AppliedState]:
        return await outages.read(lambda: applied_states(client, prefix, wanted))

    async def refresh() -> None:
        await outages.read(lambda: indices.refresh(client, prefix))

    async def dead_letters(token: ConsistencyToken) -> list[PublishedDeadLetter]:
        return await outages.read(lambda: dead_letters_within(client, prefix, token))

    return ConsistencyGate(
        applied, refresh, dead_letters, timeout_seconds=settings.consistency_timeout_seconds, partitions=partitions
    )
