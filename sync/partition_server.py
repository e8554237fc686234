"""One partition of the subscription as one worker serves it: its lease, where it resumes, its pipeline, its
dead letters and its checkpoint. A worker runs one of these per partition it holds, concurrently."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import START, OutboxPosition
from sync.checkpointing import Checkpointer
from sync.delivery import Deliverer
from sync.lease_keeper import LeaseKeeper
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.pipeline import Pipeline
from sync.retry import Interrupted
from sync.retrying_stores import RetryingStores
from sync.settling import BatchSettler

log = logging.getLogger(__name__)


class PartitionServer:
    def __init__(
        self,
        engine: AsyncEngine,
        client: AsyncElasticsearch,
        prefix: str,
        *,
        options: SyncOptions,
        stores: RetryingStores,
        metrics: SyncMetrics,
        owner: str,
        partition: int,
        partitioned: bool,
    ) -> None:
        self.partition = partition
        self._engine = engine
        self._options = options
        self._stores = stores
        self._owner = owner
        self._read_partition = partition if partitioned else None
        self.wake = asyncio.Event()
        self.lease = LeaseKeeper(
            engine,
            options.subscription,
            owner,
            options.lease_seconds,
            outage=stores.database_outage,
            held_gauge=metrics.lease_held.labels(str(partition)),
            partition=partition,
        )
        self._checkpointer = Checkpointer(stores, client, prefix, options, metrics, partition=partition)
        self._settler = BatchSettler(
            stores,
            client,
            prefix,
            options,
            metrics,
            on_dead_lettered=self._checkpointer.dead_letters_added,
            partition=partition,
        )
        self._deliverer = Deliverer(
            client,
            prefix,
            max_attempts=options.max_attempts,
            backoff_base=options.backoff_base_seconds,
            backoff_cap=options.backoff_cap_seconds,
            outage=stores.elasticsearch_outage,
            on_retry=stores.count_elasticsearch_retry,
            remembered_versions=options.remembered_versions,
        )

    async def serve(self, stop: asyncio.Event, until: OutboxPosition | None) -> OutboxPosition:
        """One tenure of the partition's lease (already claimed): from the resume position until `stop`, `until`
        or the lease is lost. Returns the last committed position."""
        halt = asyncio.Event()
        linking = asyncio.create_task(_link(stop, halt), name=f"sync-stop-{self.partition}")
        keeping = asyncio.create_task(self.lease.keep(halt), name=f"sync-lease-{self.partition}")
        try:
            self._deliverer.acknowledged.forget()  # the index may have lost writes since: trust only new acks
            start = await self._checkpointer.resume_position(halt)
            log.info(
                "event=resuming subscription=%s partition=%d owner=%s position=%s",
                self._options.subscription,
                self.partition,
                self._owner,
                start.token(),
            )
            pipeline = Pipeline(
                self._engine,
                self._deliverer,
                self._options,
                db_outage=self._stores.database_outage,
                wake=self.wake,
                on_db_retry=self._stores.count_database_retry,
                partition=self._read_partition,
            )
            settle = partial(self._settler.settle, halt=halt)
            commit = partial(self._checkpointer.commit, halt=halt)
            return await pipeline.run(start, halt, until=until, settle=settle, commit=commit)
        except Interrupted:  # halted before the pipeline started
            return START
        finally:
            halt.set()
            linking.cancel()
            # The lease keeper ends by itself once halted (see `LeaseKeeper.keep`): never cancel it.
            await asyncio.gather(linking, keeping, return_exceptions=True)


async def _link(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
