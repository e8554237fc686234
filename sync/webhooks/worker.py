"""Webhook delivery: the outbox's second subscription, beside the index projection (`sync.worker.SyncWorker`).

Under a lease of its own (subscription `webhooks`), one process at a time fans committed records out into the
delivery queue (`fan_out`, with its own checkpoint and the same gap-safe reading) and sends the queue
(`dispatcher`, one sender per endpoint). It shares nothing with the index projection but the database: a slow
or dead endpoint never delays the index. See docs/webhooks.md.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage import webhook_deliveries
from domain.storage.schema_revision import check_schema
from sync.lease_keeper import LeaseKeeper, default_owner
from sync.options import SyncOptions
from sync.retry import DATABASE_ERRORS, Backoff, Interrupted, any_set, sleep_or_halt
from sync.retrying_stores import RetryingStores
from sync.status import read_status
from sync.webhooks.dispatcher import Dispatcher
from sync.webhooks.fan_out import FanOut
from sync.webhooks.metrics import WebhookMetrics
from sync.webhooks.options import WebhookOptions
from sync.webhooks.targets import TargetGuard
from sync.webhooks.writes import Writes

log = logging.getLogger(__name__)


class WebhookWorker:
    """Built once by the composition root; `run` until `stop` is set. Several may run against one deployment (in
    `catalog serve` and `catalog sync` processes): one holds the lease and delivers, the others stand by."""

    def __init__(
        self,
        engine: AsyncEngine,
        options: WebhookOptions | None = None,
        *,
        owner: str | None = None,
        registry: CollectorRegistry | None = None,
        guard: TargetGuard | None = None,
    ) -> None:
        self._engine = engine
        self.options = options or WebhookOptions()
        self.owner = owner or default_owner()
        self.metrics = WebhookMetrics(registry if registry is not None else CollectorRegistry())
        store_backoff = SyncOptions(
            backoff_base_seconds=self.options.store_backoff_base_seconds,
            backoff_cap_seconds=self.options.store_backoff_cap_seconds,
        )
        self._stores = RetryingStores(engine, store_backoff, self.metrics.retries)
        self._lease = LeaseKeeper(
            engine,
            self.options.subscription,
            self.owner,
            self.options.lease_seconds,
            outage=self._stores.database_outage,
            held_gauge=self.metrics.lease_held,
        )
        self._guard = guard or TargetGuard(allow_private=self.options.allow_private_targets)
        self._wake = asyncio.Event()

    @property
    def holds_lease(self) -> bool:
        return self._lease.held

    def wake(self) -> None:
        """New records were committed: the fan-out looks at the outbox now rather than at its next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until `stop` is set, then abandons the requests in flight (sent again later: at least once),
        finishes writing the outcomes it has, and releases the lease. While another process holds the lease, this
        one stands by."""
        await self._stores.database(check_schema, stop)  # SchemaMismatch: never retried, delivery stops
        gauges = asyncio.create_task(self._observe(stop), name="webhook-status")
        try:
            failures = Backoff(self.options.store_backoff_base_seconds * 10, self.options.store_backoff_cap_seconds)
            while not stop.is_set():
                if not await self._lease.claim():
                    await sleep_or_halt(self._lease.renew_seconds, stop)
                    continue
                try:
                    await self._serve(stop)
                except Exception:  # a bug, or a failure no retry covers: keep delivering, loudly
                    delay = failures.next_delay()
                    log.exception(
                        "event=webhook_delivery_failed owner=%s action=restarting in %.1f s", self.owner, delay
                    )
                    await self._lease.release()
                    await sleep_or_halt(delay, stop)
        finally:
            gauges.cancel()
            with suppress(asyncio.CancelledError):
                await gauges
            await self._lease.release()

    async def _serve(self, stop: asyncio.Event) -> None:
        """One tenure of the lease: fan-out and senders until `stop`, or until the lease is lost."""
        halt = asyncio.Event()
        keeping = asyncio.create_task(self._lease.keep(halt), name="webhook-lease")
        writes = Writes(self._stores)
        dispatcher = Dispatcher(self._stores, writes, self._guard, self.options, self.metrics)
        tasks = [
            asyncio.create_task(self._fan_out(FanOut(self._stores, writes, self.options), dispatcher, halt)),
            asyncio.create_task(dispatcher.run(halt), name="webhook-dispatcher"),
            asyncio.create_task(stop.wait(), name="webhook-stop"),
        ]
        try:
            await asyncio.wait([*tasks, keeping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            halt.set()
            tasks[-1].cancel()
            # The lease keeper ends by itself once halted (see `LeaseKeeper.keep`): never cancel it.
            done = await asyncio.gather(*tasks, keeping, return_exceptions=True)
        for outcome in done[:-2]:
            if isinstance(outcome, Exception) and not isinstance(outcome, Interrupted):
                raise outcome

    async def _fan_out(self, fan_out: FanOut, dispatcher: Dispatcher, halt: asyncio.Event) -> None:
        try:
            start = await fan_out.start(halt)
            log.info(
                "event=resuming subscription=%s owner=%s position=%s",
                self.options.subscription,
                self.owner,
                start.token(),
            )
            while not halt.is_set():
                self._wake.clear()
                batch = await fan_out.next_batch(halt)
                if batch is None:
                    with suppress(TimeoutError):
                        async with asyncio.timeout(self.options.poll_seconds):
                            await any_set(self._wake, halt)
                    continue
                self.metrics.queued.inc(sum(batch.queued.values()))
                if batch.endpoints_changed:
                    dispatcher.endpoints_changed()
                dispatcher.queued(batch.queued)
        except Interrupted:
            pass

    async def _observe(self, stop: asyncio.Event) -> None:
        """Recomputes the queue's gauges every `status_seconds`; a round the database does not answer is skipped."""
        while not stop.is_set():
            try:
                async with self._engine.connect() as connection:
                    counts = await webhook_deliveries.count_by_status(connection)
                status = await read_status(self._engine, self.options.subscription)
            except DATABASE_ERRORS as error:
                log.debug("event=webhook_status_unavailable error=%r", error)
            else:
                self.metrics.pending.set(counts[webhook_deliveries.PENDING])
                self.metrics.dead_letters.set(counts[webhook_deliveries.DEAD])
                self.metrics.events_behind.set(status.events_behind)
            await sleep_or_halt(self.options.status_seconds, stop)
