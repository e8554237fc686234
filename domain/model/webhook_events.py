"""What a webhook subscribes to: kinds of change, coarser than the domain's events (see `webhooks.webhook_event_of`).

Apart from `webhooks.py` because the events module names them too (`WebhookRegistered.events`), and `webhooks.py`
imports the events.
"""

from __future__ import annotations

from enum import StrEnum


class WebhookEvent(StrEnum):
    PRODUCT_CHANGED = "PRODUCT_CHANGED"
    """A product's details, price or status changed, a variant was added, changed or discontinued, or it was created."""
    STOCK_CHANGED = "STOCK_CHANGED"
    """A sku's stock was received, adjusted, reserved, released or shipped."""
    ORDER_PLACED = "ORDER_PLACED"
    ORDER_PAID = "ORDER_PAID"
    ORDER_SHIPPED = "ORDER_SHIPPED"
    ORDER_CANCELLED = "ORDER_CANCELLED"
