"""Webhook types and inputs, exactly as the contract names them; the webhook a query returns is the index's
document (snake_case keys), which never holds the secret."""

from __future__ import annotations

import strawberry

from api.schema.scalars import DateTimeText
from domain.model.webhook_events import WebhookEvent

# The domain's webhook events are the GraphQL enum itself: one list, not two to keep in step.
strawberry.enum(WebhookEvent, name="WebhookEvent")


@strawberry.type
class Webhook:
    id: strawberry.ID
    url: str
    events: list[WebhookEvent]
    active: bool
    created_at: DateTimeText


@strawberry.input
class RegisterWebhookInput:
    url: str
    events: list[WebhookEvent]
    secret: str = strawberry.field(
        description="Signs every delivery: header X-Catalog-Signature: sha256=<hex HMAC-SHA256 of the body>."
    )
    idempotency_key: str | None = None


@strawberry.input
class RemoveWebhookInput:
    webhook_id: strawberry.ID
    idempotency_key: str | None = None
