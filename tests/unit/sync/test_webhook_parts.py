"""The pure parts of webhook delivery: event ids, bodies and signatures, who subscribes as of a position, the state a
stateless record is delivered with, and when a failed delivery is tried again."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from domain.model.webhook_events import WebhookEvent
from domain.outbox import OutboxPosition, OutboxRecord
from domain.storage.webhook_deliveries import Delivery
from sync.webhooks import payloads
from sync.webhooks.endpoint_sender import next_attempt
from sync.webhooks.fan_out import carried_states
from sync.webhooks.options import WebhookOptions
from sync.webhooks.subscribers import Subscribers

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def record(sequence: int, aggregate: str = "p-1", state: dict[str, Any] | None = None, **fields: Any) -> OutboxRecord:
    values: dict[str, Any] = {
        "position": OutboxPosition(0, sequence),
        "aggregate_type": "product",
        "aggregate_id": aggregate,
        "aggregate_version": sequence,
        "event_type": "StockReceived",
        "payload": {"sku": "S-1", "quantity": 2},
        "state": state,
        "occurred_at": T0,
        **fields,
    }
    return OutboxRecord(**values)


def webhook_record(sequence: int, webhook: str, events: list[str], *, active: bool = True) -> OutboxRecord:
    state = {"id": webhook, "url": "https://x.example/", "events": events, "active": active, "version": 1}
    return record(sequence, webhook, state, aggregate_type="webhook", event_type="WebhookRegistered")


def test_an_event_id_is_the_same_for_one_webhook_and_record_and_differs_otherwise() -> None:
    position = OutboxPosition(7, 42)
    assert payloads.event_id("w-1", position) == payloads.event_id("w-1", OutboxPosition(7, 42))
    assert payloads.event_id("w-1", position) != payloads.event_id("w-2", position)
    assert payloads.event_id("w-1", position) != payloads.event_id("w-1", OutboxPosition(7, 43))


def test_the_body_carries_the_event_its_change_and_the_document() -> None:
    body = orjson.loads(payloads.body("id-1", WebhookEvent.STOCK_CHANGED, record(3), {"sku": "S-1"}))
    assert body == {
        "id": "id-1",
        "type": "STOCK_CHANGED",
        "occurredAt": "2026-01-01T00:00:00+00:00",
        "aggregateType": "product",
        "aggregateId": "p-1",
        "aggregateVersion": 3,
        "event": "StockReceived",
        "change": {"sku": "S-1", "quantity": 2},
        "data": {"sku": "S-1"},
    }


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body_with_the_secret() -> None:
    headers = payloads.headers("s3cret", b'{"a":1}', "ORDER_PAID", "id-1", attempt=2)
    expected = hmac.new(b"s3cret", b'{"a":1}', hashlib.sha256).hexdigest()
    assert headers["X-Catalog-Signature"] == f"sha256={expected}"
    assert (headers["X-Catalog-Event"], headers["X-Catalog-Delivery"], headers["X-Catalog-Attempt"]) == (
        "ORDER_PAID",
        "id-1",
        "2",
    )


def test_subscribers_follow_registrations_and_removals_in_outbox_order() -> None:
    subscribers = Subscribers([webhook_record(1, "w-1", ["STOCK_CHANGED"]), webhook_record(2, "w-2", ["ORDER_PAID"])])
    assert subscribers.of(WebhookEvent.STOCK_CHANGED) == ["w-1"]
    assert subscribers.apply(webhook_record(3, "w-1", ["STOCK_CHANGED"], active=False)) == "w-1"
    assert subscribers.of(WebhookEvent.STOCK_CHANGED) == []
    assert subscribers.of(WebhookEvent.ORDER_PAID) == ["w-2"]


def test_a_stateless_record_takes_the_state_of_the_next_record_of_its_aggregate_that_has_one() -> None:
    state: Any = {"v": 3}
    records = [record(1), record(2, "p-2"), record(3, state=state), record(4, "p-3")]
    assert carried_states(records) == {0: state}


def delivery(first_attempt_at: datetime | None, attempts: int) -> Delivery:
    return Delivery(
        webhook_id="w", event_id="e", event="STOCK_CHANGED", position=OutboxPosition(0, 1), aggregate_type="product",
        aggregate_id="p", aggregate_version=1, occurred_at=T0, body="{}", id=1, status="pending",
        attempts=attempts, next_attempt_at=T0, first_attempt_at=first_attempt_at, last_status_code=None,
        last_error=None, delivered_at=None, created_at=T0,
    )  # fmt: skip


OPTIONS = WebhookOptions(retry_period_seconds=100, backoff_base_seconds=1, backoff_cap_seconds=60)


def test_a_first_failure_is_retried_after_the_base_delay_with_jitter() -> None:
    retry = next_attempt(delivery(None, 0), T0, OPTIONS)
    assert retry is not None
    assert timedelta(seconds=0.5) <= retry - T0 <= timedelta(seconds=1)


def test_the_delay_doubles_up_to_its_cap() -> None:
    retry = next_attempt(delivery(T0, 10), T0 + timedelta(seconds=1), OPTIONS)
    assert retry is not None
    assert timedelta(seconds=30) <= retry - (T0 + timedelta(seconds=1)) <= timedelta(seconds=60)


def test_the_last_retry_falls_at_the_end_of_the_period_and_a_failure_after_it_is_dead() -> None:
    assert next_attempt(delivery(T0, 10), T0 + timedelta(seconds=90), OPTIONS) == T0 + timedelta(seconds=100)
    assert next_attempt(delivery(T0, 11), T0 + timedelta(seconds=100), OPTIONS) is None
