"""Keeps one sender running per active endpoint (`endpoint_sender.EndpointSender`), starting one when a webhook is
registered and stopping it when the webhook is removed; and purges finished deliveries after their retention."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from domain.model.validation import Checks
from domain.model.webhook_urls import EndpointUrl
from domain.storage import webhook_deliveries, webhook_endpoints
from domain.storage.webhook_endpoints import Endpoint
from sync.retry import Interrupted, any_set
from sync.retrying_stores import RetryingStores
from sync.webhooks.attempts import EndpointClient
from sync.webhooks.endpoint_sender import EndpointSender
from sync.webhooks.metrics import WebhookMetrics
from sync.webhooks.options import WebhookOptions
from sync.webhooks.targets import TargetGuard
from sync.webhooks.writes import Writes

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 600.0


class _Running:
    def __init__(self, sender: EndpointSender) -> None:
        self.sender = sender
        self.halt = asyncio.Event()
        self.task = asyncio.create_task(sender.run(self.halt), name=f"webhook-sender-{sender.endpoint.id}")


class Dispatcher:
    def __init__(
        self,
        stores: RetryingStores,
        writes: Writes,
        guard: TargetGuard,
        options: WebhookOptions,
        metrics: WebhookMetrics,
    ) -> None:
        self._stores = stores
        self._writes = writes
        self._guard = guard
        self._options = options
        self._metrics = metrics
        self._running: dict[str, _Running] = {}
        self._changed = asyncio.Event()
        self._last_purge = 0.0

    def endpoints_changed(self) -> None:
        self._changed.set()

    def queued(self, webhook_ids: Iterable[str]) -> None:
        """Deliveries were queued for these webhooks: their senders look at once."""
        for webhook_id in webhook_ids:
            running = self._running.get(webhook_id)
            if running is not None:
                running.sender.wake()

    async def run(self, halt: asyncio.Event) -> None:
        try:
            while not halt.is_set():
                self._changed.clear()
                endpoints = await self._stores.database(webhook_endpoints.active_endpoints, halt)
                await self._reconcile(endpoints)
                await self._purge_if_due(halt)
                with suppress(TimeoutError):
                    async with asyncio.timeout(self._options.endpoints_seconds):
                        await any_set(self._changed, halt)
        except Interrupted:
            pass
        finally:
            await self._stop(list(self._running))

    async def _reconcile(self, endpoints: list[Endpoint]) -> None:
        wanted = {endpoint.id: endpoint for endpoint in endpoints}
        for webhook_id, endpoint in wanted.items():
            if webhook_id not in self._running:
                self._start(endpoint)
        await self._stop([webhook_id for webhook_id in self._running if webhook_id not in wanted])

    def _start(self, endpoint: Endpoint) -> None:
        url = EndpointUrl.parse(Checks(), "url", endpoint.url)
        if url is None:  # registration checked it; a URL edited in the database by hand is not sent to
            log.error("event=webhook_endpoint_skipped webhook=%s reason=its URL is not valid", endpoint.id)
            return
        client = EndpointClient(url, endpoint.secret, self._guard, self._options)
        sender = EndpointSender(
            endpoint, client, stores=self._stores, writes=self._writes, options=self._options, metrics=self._metrics
        )
        self._running[endpoint.id] = _Running(sender)
        log.info("event=webhook_sender_started webhook=%s", endpoint.id)

    async def _stop(self, webhook_ids: list[str]) -> None:
        stopping = [self._running.pop(webhook_id) for webhook_id in webhook_ids if webhook_id in self._running]
        for running in stopping:
            running.halt.set()
        await asyncio.gather(*(running.task for running in stopping), return_exceptions=True)

    async def _purge_if_due(self, halt: asyncio.Event) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = time.monotonic()
        before = datetime.now(UTC) - timedelta(seconds=self._options.retention_seconds)
        purged = await self._writes.transaction(lambda c: webhook_deliveries.purge_finished(c, before), halt)
        if purged:
            log.info("event=webhook_deliveries_purged count=%d", purged)
