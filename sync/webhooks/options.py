"""How webhook delivery behaves: reading the outbox, sending, retrying. Defaults suit a production deployment; the
settings (`CATALOG_WEBHOOKS_*`) choose the ones an operator tunes."""

from __future__ import annotations

from dataclasses import dataclass

SUBSCRIPTION = "webhooks"


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    subscription: str = SUBSCRIPTION
    """Names the fan-out's checkpoint and the lease of the process that delivers."""
    batch_size: int = 500
    """Most outbox records the fan-out reads and queues deliveries for in one transaction."""
    poll_seconds: float = 0.1
    """When the fan-out is idle, how often it looks at the outbox; `WebhookDelivery.wake()` cuts the wait short."""
    idle_poll_seconds: float = 1.0
    """How often an endpoint's sender with nothing to do looks at its queue anyway: deliveries requeued by
    `catalog webhooks retry`, retries scheduled before this process took the lease."""
    endpoints_seconds: float = 5.0
    """How often the set of endpoints is read again (at once when the fan-out meets a registration or removal)."""
    lease_seconds: float = 15.0
    allow_private_targets: bool = False
    """Let deliveries reach loopback, private and link-local addresses (receivers on the deployment's network)."""
    timeout_seconds: float = 10.0
    """The most one attempt may take: resolving, connecting, sending and reading the answer."""
    max_response_bytes: int = 64 * 1024
    """The most of an answer's body that is read; the rest is not."""
    max_redirects: int = 3
    """Redirects followed on the endpoint's own origin (scheme, host, port); one elsewhere fails the attempt."""
    in_flight_per_endpoint: int = 4
    """Deliveries sent to one endpoint at the same time (of different aggregates)."""
    retry_period_seconds: float = 24 * 3600.0
    """How long a delivery is retried after its first attempt before it becomes a dead letter."""
    backoff_base_seconds: float = 1.0
    """The delay after a delivery's first failed attempt; it doubles with each further one."""
    backoff_cap_seconds: float = 3600.0
    retention_seconds: float = 7 * 24 * 3600.0
    """How long delivered and cancelled deliveries are kept (for `catalog webhooks deliveries`)."""
    status_seconds: float = 5.0
    """How often the queue's gauges (pending, dead letters, events behind) are recomputed."""
    store_backoff_base_seconds: float = 0.1
    store_backoff_cap_seconds: float = 30.0
    """Retries of the database while it does not answer."""

    def __post_init__(self) -> None:
        if min(self.batch_size, self.max_response_bytes, self.in_flight_per_endpoint) < 1 or self.max_redirects < 0:
            raise ValueError("batch_size, max_response_bytes and in_flight_per_endpoint must be positive")
        seconds = (
            self.poll_seconds,
            self.idle_poll_seconds,
            self.endpoints_seconds,
            self.lease_seconds,
            self.timeout_seconds,
            self.retry_period_seconds,
            self.backoff_base_seconds,
            self.store_backoff_base_seconds,
        )
        if min(seconds) <= 0:
            raise ValueError("every period, timeout and backoff base must be positive")
        if self.backoff_cap_seconds < self.backoff_base_seconds:
            raise ValueError("backoff_cap_seconds must be at least backoff_base_seconds")
