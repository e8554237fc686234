"""Webhook delivery's Prometheus metrics, on the registry the caller passes (the API's `/metrics`, or a standalone
worker's `--metrics-port`)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400)


class WebhookMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Counter(
            "catalog_webhook_deliveries",
            "Delivery attempts by endpoint (webhook id) and outcome: delivered, failed (retried later) or dead",
            ["webhook", "outcome"],
            registry=registry,
        )
        self.lag = Histogram(
            "catalog_webhook_delivery_lag_seconds",
            "From the event to its endpoint's acknowledgement, retries included",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.queued = Counter(
            "catalog_webhook_queued", "Deliveries queued by the fan-out (one per event and endpoint)", registry=registry
        )
        self.pending = Gauge("catalog_webhook_pending", "Deliveries queued and not yet acknowledged", registry=registry)
        self.dead_letters = Gauge(
            "catalog_webhook_dead_letters", "Dead deliveries, waiting for catalog webhooks retry", registry=registry
        )
        self.events_behind = Gauge(
            "catalog_webhook_events_behind", "Committed outbox records the fan-out has not read yet", registry=registry
        )
        self.lease_held = Gauge(
            "catalog_webhook_lease_held", "1 while this process holds the webhook delivery lease", registry=registry
        )
        self.retries = Counter(
            "catalog_webhook_store_retries", "Retries after a store failure, by store", ["store"], registry=registry
        )
