"""What a delivery sends: its event id, its JSON body and the headers that sign it. See docs/webhooks.md.

The body is made once, when the delivery is queued, and stored: every attempt sends the same bytes, so a
receiver sees one id and one signature for one event, however often it arrives.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

import orjson

from domain.model.webhook_events import WebhookEvent
from domain.outbox import OutboxPosition, OutboxRecord

EVENT_IDS = uuid.UUID("5f0c5c8e-3a5e-4b7e-9f43-2b8e6d1c7a10")
"""The namespace of event ids (UUID version 5): an id is a function of the webhook and the outbox position."""

SIGNATURE_HEADER = "X-Catalog-Signature"
EVENT_HEADER = "X-Catalog-Event"
DELIVERY_HEADER = "X-Catalog-Delivery"
ATTEMPT_HEADER = "X-Catalog-Attempt"
USER_AGENT = "catalog-service-webhooks/1"


def event_id(webhook_id: str, position: OutboxPosition) -> str:
    """Unique per webhook and outbox record, the same on every attempt and after any crash: receivers deduplicate
    by it."""
    return str(uuid.uuid5(EVENT_IDS, f"{webhook_id}/{position.txid}/{position.sequence}"))


def body(identifier: str, event: WebhookEvent, record: OutboxRecord, data: dict[str, Any]) -> str:
    """`data` is the aggregate's document after the record's transaction; `change` the event's own payload."""
    assert record.occurred_at is not None, "the fan-out reads records whole"
    envelope = {
        "id": identifier,
        "type": event.value,
        "occurredAt": record.occurred_at.isoformat(),
        "aggregateType": record.aggregate_type,
        "aggregateId": record.aggregate_id,
        "aggregateVersion": record.aggregate_version,
        "event": record.event_type,
        "change": record.payload,
        "data": data,
    }
    return orjson.dumps(envelope).decode()


def signature(secret: str, raw_body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the endpoint's secret."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def headers(secret: str, raw_body: bytes, event: str, identifier: str, attempt: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: identifier,
        ATTEMPT_HEADER: str(attempt),
        SIGNATURE_HEADER: signature(secret, raw_body),
    }
