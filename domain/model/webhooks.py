"""Webhook: an endpoint that is told about changes (a POST per event of the kinds it subscribed to), and which
domain events each kind covers (`ROUTES`). Delivery itself is the sync worker's (`sync/webhooks/`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.model import input_limits
from domain.model.aggregate import Aggregate
from domain.model.events import (
    WEBHOOK,
    Event,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    ProductCreated,
    ProductDetailsUpdated,
    ProductDiscontinued,
    ProductPriceChanged,
    ProductVariantAdded,
    ProductVariantDiscontinued,
    ProductVariantUpdated,
    StockAdjusted,
    StockReceived,
    StockReleased,
    StockReserved,
    StockShipped,
    WebhookEndpointEvent,
    WebhookRegistered,
    WebhookRemoved,
)
from domain.model.snapshots import WebhookSnapshot
from domain.model.validation import Checks
from domain.model.webhook_events import WebhookEvent
from domain.model.webhook_urls import EndpointUrl

ROUTES: dict[type[Event], WebhookEvent] = {
    ProductCreated: WebhookEvent.PRODUCT_CHANGED,
    ProductDetailsUpdated: WebhookEvent.PRODUCT_CHANGED,
    ProductPriceChanged: WebhookEvent.PRODUCT_CHANGED,
    ProductDiscontinued: WebhookEvent.PRODUCT_CHANGED,
    ProductVariantAdded: WebhookEvent.PRODUCT_CHANGED,
    ProductVariantUpdated: WebhookEvent.PRODUCT_CHANGED,
    ProductVariantDiscontinued: WebhookEvent.PRODUCT_CHANGED,
    StockReceived: WebhookEvent.STOCK_CHANGED,
    StockAdjusted: WebhookEvent.STOCK_CHANGED,
    StockReserved: WebhookEvent.STOCK_CHANGED,
    StockReleased: WebhookEvent.STOCK_CHANGED,
    StockShipped: WebhookEvent.STOCK_CHANGED,
    OrderPlaced: WebhookEvent.ORDER_PLACED,
    OrderPaid: WebhookEvent.ORDER_PAID,
    OrderShipped: WebhookEvent.ORDER_SHIPPED,
    OrderCancelled: WebhookEvent.ORDER_CANCELLED,
}
"""Which webhook event each domain event is delivered as. A webhook's own events are delivered as none."""

_ROUTES_BY_NAME = {kind.__name__: event for kind, event in ROUTES.items()}


def webhook_event_of(event_type: str) -> WebhookEvent | None:
    """The webhook event an outbox record of `event_type` (a domain event's class name) is delivered as."""
    return _ROUTES_BY_NAME.get(event_type)


@dataclass(frozen=True, slots=True)
class WebhookRegistration:
    """A registration's input, checked: every problem is collected before any is reported."""

    url: EndpointUrl
    events: tuple[WebhookEvent, ...]
    """Each once, in the enum's order."""
    secret: str = field(repr=False)

    @classmethod
    def checked(cls, url: str, events: tuple[str, ...], secret: str) -> WebhookRegistration:
        checks = Checks()
        endpoint = EndpointUrl.parse(checks, "url", url)
        chosen = _events(checks, events)
        _check_secret(checks, secret)
        checks.raise_if_any()
        assert endpoint is not None
        return cls(endpoint, chosen, secret)


def _events(checks: Checks, events: tuple[str, ...]) -> tuple[WebhookEvent, ...]:
    checks.count("events", events, minimum=1, maximum=len(WebhookEvent))
    known = {event.value for event in WebhookEvent}
    for i, event in enumerate(events):
        if event not in known:
            checks.fail(f"events.{i}", f"must be one of {', '.join(sorted(known))}")
    return tuple(event for event in WebhookEvent if event.value in events)


def _check_secret(checks: Checks, secret: str) -> None:
    """Used as given (never trimmed): a receiver verifies signatures with the very same bytes."""
    low, high = input_limits.WEBHOOK_SECRET_MIN, input_limits.WEBHOOK_SECRET_MAX
    if not low <= len(secret) <= high:
        checks.fail("secret", f"must be {low} to {high} characters")
    elif not secret.isprintable():
        checks.fail("secret", "must not contain control characters")


class Webhook(Aggregate):
    aggregate_type = WEBHOOK

    def __init__(
        self,
        *,
        id: str,
        url: str,
        events: tuple[WebhookEvent, ...],
        secret: str,
        active: bool,
        version: int,
        created_at: datetime,
        updated_at: datetime,
    ) -> None:
        super().__init__(version)
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.active = active
        self.created_at = created_at
        self.updated_at = updated_at

    def __repr__(self) -> str:
        return f"Webhook(id={self.id!r}, url={self.url!r}, active={self.active}, version={self.version})"

    @property
    def key(self) -> str:
        return self.id

    @classmethod
    def register(cls, registration: WebhookRegistration, now: datetime) -> Webhook:
        webhook = cls(
            id=str(uuid.uuid4()),
            url=registration.url.text,
            events=registration.events,
            secret=registration.secret,
            active=True,
            version=0,
            created_at=now,
            updated_at=now,
        )
        webhook._record_at(
            now, WebhookRegistered(webhook_id=webhook.id, occurred_at=now, url=webhook.url, events=webhook.events)
        )
        return webhook

    def remove(self, now: datetime) -> None:
        """Stops deliveries to this endpoint (those still queued are dropped). Removing it again changes nothing."""
        if not self.active:
            return
        self.active = False
        self._record_at(now, WebhookRemoved(webhook_id=self.id, occurred_at=now))

    def _record_at(self, now: datetime, event: WebhookEndpointEvent) -> None:
        self.updated_at = now
        self.record(event)

    def snapshot(self) -> WebhookSnapshot:
        return {
            "id": self.id,
            "url": self.url,
            "events": [event.value for event in self.events],
            "active": self.active,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_snapshot(cls, snapshot: WebhookSnapshot, secret: str) -> Webhook:
        return cls(
            id=snapshot["id"],
            url=snapshot["url"],
            events=tuple(WebhookEvent(event) for event in snapshot["events"]),
            secret=secret,
            active=snapshot["active"],
            version=snapshot["version"],
            created_at=datetime.fromisoformat(snapshot["created_at"]),
            updated_at=datetime.fromisoformat(snapshot["updated_at"]),
        )
