"""The `CATALOG_WEBHOOKS_*` settings as the webhook worker's options (`catalog serve` and `catalog sync` alike)."""

from __future__ import annotations

from api.settings import Settings
from sync.webhooks.options import WebhookOptions


def webhook_options(settings: Settings) -> WebhookOptions:
    return WebhookOptions(
        allow_private_targets=settings.webhooks_allow_private_targets,
        retry_period_seconds=settings.webhooks_retry_period_seconds,
        backoff_base_seconds=settings.webhooks_backoff_base_seconds,
        timeout_seconds=settings.webhooks_timeout_seconds,
        in_flight_per_endpoint=settings.webhooks_max_in_flight,
    )
