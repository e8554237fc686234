"""One endpoint's sender: takes its due deliveries from the queue (`webhook_deliveries.due`: in order per
aggregate), sends up to `in_flight_per_endpoint` at once, and records each outcome: delivered, retried later
with capped exponential backoff and jitter, or, once the retry period has run out, dead.

Every endpoint has a sender, a client and a concurrency bound of its own: a slow or dead endpoint holds up
nothing but its own deliveries.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from datetime import UTC, datetime, timedelta

from domain.storage import webhook_deliveries
from domain.storage.webhook_deliveries import Delivery
from domain.storage.webhook_endpoints import Endpoint
from sync.retry import Interrupted, jittered_delay
from sync.retrying_stores import RetryingStores
from sync.webhooks.attempts import Attempt, EndpointClient
from sync.webhooks.metrics import WebhookMetrics
from sync.webhooks.options import WebhookOptions
from sync.webhooks.writes import Outcome, Writes

log = logging.getLogger(__name__)


class EndpointSender:
    def __init__(
        self,
        endpoint: Endpoint,
        client: EndpointClient,
        *,
        stores: RetryingStores,
        writes: Writes,
        options: WebhookOptions,
        metrics: WebhookMetrics,
    ) -> None:
        self.endpoint = endpoint
        self._client = client
        self._stores = stores
        self._writes = writes
        self._options = options
        self._metrics = metrics
        self._work = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        """Deliveries being sent or having their outcome written (the queue still has them pending)."""
        self._posting: set[int] = set()
        """Those of them whose request is under way: what `in_flight_per_endpoint` bounds."""
        self._slot_freed = asyncio.Event()
        self._ready: deque[Delivery] = deque()
        """Due deliveries read ahead (each the first pending one of its aggregate, which it stays until sent)."""
        self._retries: list[datetime] = []
        """When the retries this sender scheduled are due (a heap): it looks at the queue then."""

    def wake(self) -> None:
        """New deliveries were queued for this endpoint."""
        self._work.set()

    async def run(self, halt: asyncio.Event) -> None:
        """Sends until `halt` is set; then abandons its requests in flight and finishes writing outcomes."""
        try:
            while not halt.is_set():
                free = self._options.in_flight_per_endpoint - len(self._posting)
                if free > 0:
                    self._work.clear()
                    self._slot_freed.clear()
                    if len(self._ready) < free:
                        self._ready.extend(await self._due(free + self._options.in_flight_per_endpoint * 3, halt))
                    for _ in range(min(free, len(self._ready))):
                        self._send(self._ready.popleft(), halt)
                await self._wait(halt)
        except Interrupted:
            pass
        finally:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
            await self._client.close()

    def _send(self, delivery: Delivery, halt: asyncio.Event) -> None:
        self._posting.add(delivery.id)
        self._in_flight[delivery.id] = asyncio.create_task(self._deliver(delivery, halt), name=f"webhook-{delivery.id}")

    async def _due(self, limit: int, halt: asyncio.Event) -> list[Delivery]:
        webhook, busy = self.endpoint.id, {*self._in_flight, *(delivery.id for delivery in self._ready)}
        return await self._stores.database(
            lambda c: webhook_deliveries.due(c, webhook, _now(), limit, excluding=busy), halt
        )

    async def _wait(self, halt: asyncio.Event) -> None:
        """Until a request or an attempt ends, new deliveries are queued (when a slot is free), a retry is due, the
        idle poll has passed, or `halt`."""
        now = _now()
        while self._retries and self._retries[0] <= now:
            heapq.heappop(self._retries)
        timeout = self._options.idle_poll_seconds
        if self._retries:
            timeout = min(timeout, (self._retries[0] - now).total_seconds())
        waiters = [asyncio.ensure_future(halt.wait()), asyncio.ensure_future(self._slot_freed.wait())]
        if len(self._posting) < self._options.in_flight_per_endpoint and not self._ready:
            waiters.append(asyncio.ensure_future(self._work.wait()))
        try:
            await asyncio.wait({*waiters, *self._in_flight.values()}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, delivery: Delivery, halt: asyncio.Event) -> None:
        """One attempt and its outcome. Halted mid-attempt, the request is abandoned and the delivery stays pending
        (sent again later: at least once); an outcome being recorded is never cut short. The request's slot is
        free once it is answered: the outcome is written meanwhile (in a group with others)."""
        posting = asyncio.ensure_future(self._client.post(delivery))
        halted = asyncio.ensure_future(halt.wait())
        try:
            await asyncio.wait({posting, halted}, return_when=asyncio.FIRST_COMPLETED)
            self._posting.discard(delivery.id)
            self._slot_freed.set()
            if not posting.done():
                return
            await self._record(delivery, posting.result(), halt)
        except Interrupted:
            pass  # halted while the database did not answer: the delivery stays pending, and is sent again
        except Exception:  # a bug: keep the sender alive, and the delivery pending
            log.exception("event=webhook_delivery_failed webhook=%s delivery=%d", self.endpoint.id, delivery.id)
        finally:
            posting.cancel()
            halted.cancel()
            self._posting.discard(delivery.id)
            self._in_flight.pop(delivery.id, None)

    async def _record(self, delivery: Delivery, attempt: Attempt, halt: asyncio.Event) -> None:
        now = _now()
        if attempt.delivered:
            await self._writes.outcome(Outcome(delivery.id, now, attempt.status_code, None), halt)
            self._metrics.deliveries.labels(self.endpoint.id, "delivered").inc()
            self._metrics.lag.observe(max(0.0, (now - delivery.occurred_at).total_seconds()))
            return
        retry_at = next_attempt(delivery, now, self._options)
        error = attempt.error or "failed"
        await self._writes.outcome(Outcome(delivery.id, now, attempt.status_code, error, retry_at), halt)
        self._metrics.deliveries.labels(self.endpoint.id, "failed" if retry_at is not None else "dead").inc()
        if retry_at is None:
            log.warning(
                "event=webhook_dead_letter webhook=%s delivery=%d event_id=%s attempts=%d error=%r",
                self.endpoint.id,
                delivery.id,
                delivery.event_id,
                delivery.attempts + 1,
                error,
            )
        else:
            heapq.heappush(self._retries, retry_at)


def next_attempt(delivery: Delivery, now: datetime, options: WebhookOptions) -> datetime | None:
    """When to try a delivery again after its attempt at `now` failed: after a jittered, doubling delay, but never
    beyond its retry period, which ends with one last attempt; None once that attempt has failed too (dead)."""
    deadline = (delivery.first_attempt_at or now) + timedelta(seconds=options.retry_period_seconds)
    if now >= deadline:
        return None
    delay = jittered_delay(options.backoff_base_seconds, options.backoff_cap_seconds, delivery.attempts)
    return min(now + timedelta(seconds=delay), deadline)


def _now() -> datetime:
    return datetime.now(UTC)
