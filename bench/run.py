"""The state of one benchmark run: settings, the stores it started, the seeded catalog, and the report."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.serializer import OrjsonSerializer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from api.demo import catalog_data as catalog
from bench.measure import self_cpu_seconds
from bench.profiling import PySpy
from bench.report import Report
from bench.rows import chunks, insert_rows, product_rows
from bench.services import Elasticsearch, Postgres, Service
from domain.storage.engine import create_sync
from domain.storage.migrate import upgrade
from domain.storage.tables import outbox_partitioning

ALL_SCENARIOS = (
    "read",
    "write",
    "sync",
    "sync_workers",
    "freshness",
    "rebuild",
    "scale",
    "deep_pages",
    "disorder",
    "webhooks",
    "bulk",
    "import",
)
POSTGRES_SCENARIOS = ("sync_workers",)
"""Scenarios that need `--postgres` (several partitions): the default run includes them only with it."""


def default_scenarios(*, postgres: bool) -> tuple[str, ...]:
    return tuple(name for name in ALL_SCENARIOS if postgres or name not in POSTGRES_SCENARIOS)


SEED_CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class Settings:
    products: int
    quick: bool
    postgres: bool
    scenarios: tuple[str, ...]
    out: Path
    elasticsearch_url: str | None
    nodes: int
    seconds: float  # of each timed measurement
    repetitions: int
    disorder_events: int
    import_rows: int
    profile: Path | None = None
    experiments: tuple[str, ...] = ()
    sync_batch_size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "products": self.products,
            "nodes": self.nodes,
            "quick": self.quick,
            "postgres": self.postgres,
            "scenarios": list(self.scenarios),
            "seconds": self.seconds,
            "repetitions": self.repetitions,
            "disorder_events": self.disorder_events,
            "import_rows": self.import_rows,
            "experiments": list(self.experiments),
            "sync_batch_size": self.sync_batch_size,
        }


@dataclass
class Run:
    settings: Settings
    console: Console
    elasticsearch: Elasticsearch
    postgres: Postgres | None = None
    report: Report = field(init=False)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="catalog-bench-")))
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    main_database: str = ""
    main_indexed: bool = False
    main_service: Service | None = None
    _services: list[Service] = field(default_factory=list)
    _prefixes: list[str] = field(default_factory=list)
    _samplers: dict[str, PySpy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.report = Report(self.settings.as_dict())

    # names -------------------------------------------------------------------------------------------------
    def prefix(self, purpose: str) -> str:
        """A unique index prefix, remembered so `close` deletes its indices."""
        name = f"bench-{self.tag}-{purpose}"
        self._prefixes.append(name)
        return name

    @property
    def main_prefix(self) -> str:
        return f"bench-{self.tag}-main"

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{self.workdir / f'{name}.db'}"

    # clients -----------------------------------------------------------------------------------------------
    def es_client(self) -> AsyncElasticsearch:
        return AsyncElasticsearch(
            self.elasticsearch.urls, request_timeout=120, serializer=OrjsonSerializer(), connections_per_node=32
        )

    def cpu_probes(self, *services: Service) -> dict[str, Any]:
        probes: dict[str, Any] = {"bench": self_cpu_seconds, "elasticsearch": self.elasticsearch.cpu_seconds}
        for service in services:
            probes[f"serve:{service.prefix.rsplit('-', 1)[-1]}"] = service.cpu_seconds
        if self.postgres is not None:
            probes["postgres"] = self.postgres.cpu_seconds
        return probes

    # processes ---------------------------------------------------------------------------------------------
    def service(self, database_url: str, prefix: str, *, sync_in_process: bool = True, **env: str) -> Service:
        service = Service(database_url, self.elasticsearch.url, prefix, sync_in_process, dict(env))
        self._services.append(service)
        service.start()
        if self.settings.profile is not None:
            self._samplers[service.prefix] = PySpy.attach(service, self.settings.profile)
        return service

    def stop_service(self, service: Service) -> None:
        sampler = self._samplers.pop(service.prefix, None)
        if sampler is not None:
            sampler.finish()
        service.stop()
        if service in self._services:
            self._services.remove(service)

    # data --------------------------------------------------------------------------------------------------
    @contextmanager
    def progress(self) -> Iterator[Progress]:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=False) as bar:
            yield bar

    def seed(self, database_url: str, count: int, *, label: str, start: int = 0, sku_prefix: str = "SKU") -> None:
        """Migrates the database and inserts products [start, start+count) with their outbox rows."""
        upgrade(database_url)
        engine = create_sync(database_url)
        try:
            with engine.connect() as connection:
                partitions = connection.execute(select(outbox_partitioning.c.partitions)).scalar() or 1
            with self.progress() as bar:
                task = bar.add_task(f"seeding {label}", total=count)
                for low, high in chunks(start, start + count, SEED_CHUNK):
                    commands = catalog.products(low, high, sku_prefix=sku_prefix)
                    insert_rows(engine, product_rows(commands, partitions=partitions))
                    bar.advance(task, high - low)
        finally:
            engine.dispose()

    def ensure_main_database(self) -> str:
        if not self.main_database:
            self.main_database = self.sqlite_url("main")
            self.seed(self.main_database, self.settings.products, label=f"{self.settings.products:,} products")
        return self.main_database

    # teardown ----------------------------------------------------------------------------------------------
    async def delete_indices(self) -> None:
        from read_index.indices import delete_indices
        from sync.state_index import state_index

        client = self.es_client()
        lenient = client.options(ignore_status=404)
        try:
            for prefix in {*self._prefixes, self.main_prefix}:
                await delete_indices(client, prefix)
                await lenient.indices.delete(index=state_index(prefix))  # services' workers made it, even when off
        finally:
            await client.close()

    def close_services(self) -> None:
        for service in list(self._services):
            self.stop_service(service)

    def close(self) -> None:
        self.close_services()
        shutil.rmtree(self.workdir, ignore_errors=True)
