"""What `catalog webhooks deliveries` and `catalog webhooks retry` do: read the delivery queue, and give dead
letters a second chance (queued again, due at once, with a fresh retry period; the delivering process sends them)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage import webhook_deliveries, webhook_endpoints
from domain.storage.webhook_deliveries import DEAD, Delivery


@dataclass(frozen=True, slots=True)
class Requeued:
    delivery_ids: list[int]
    refused: dict[int, str] = field(default_factory=dict)
    """Named deliveries that were not queued again, and why."""


async def list_deliveries(
    engine: AsyncEngine, *, failed_only: bool, webhook_id: str | None = None, limit: int = 100
) -> list[Delivery]:
    async with engine.connect() as connection:
        return await webhook_deliveries.read_deliveries(
            connection, failed_only=failed_only, webhook_id=webhook_id, limit=limit
        )


async def retry_dead(engine: AsyncEngine, delivery_ids: Collection[int] | None) -> Requeued:
    """Queues these dead deliveries again (None: every one whose webhook is still registered)."""
    async with engine.begin() as connection:
        dead = await webhook_deliveries.read_deliveries(connection, failed_only=True, limit=1_000_000)
        dead = [d for d in dead if d.status == DEAD and (delivery_ids is None or d.id in delivery_ids)]
        active = await webhook_endpoints.endpoint_states(connection, sorted({d.webhook_id for d in dead}))
        refused = {d.id: "its webhook was removed" for d in dead if not active.get(d.webhook_id, False)}
        if delivery_ids is not None:
            found = {d.id for d in dead}
            statuses = await webhook_deliveries.read_delivery_statuses(connection, set(delivery_ids) - found)
            refused |= {
                i: f"it is {statuses[i]}, not dead" if i in statuses else "no such delivery"
                for i in set(delivery_ids) - found
            }
        wanted = [d.id for d in dead if d.id not in refused]
        requeued = await webhook_deliveries.requeue_dead(connection, wanted, datetime.now(UTC)) if wanted else []
    return Requeued(requeued, refused)
