"""Webhook endpoints as their senders need them: where to POST, and the secret that signs each body."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage.tables import webhooks


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    secret: str = field(repr=False)


async def active_endpoints(connection: AsyncConnection) -> list[Endpoint]:
    query = select(webhooks.c.id, webhooks.c.url, webhooks.c.secret).where(webhooks.c.active.is_(True))
    return [Endpoint(row.id, row.url, row.secret) for row in await connection.execute(query.order_by(webhooks.c.id))]


async def endpoint_states(connection: AsyncConnection, webhook_ids: list[str]) -> dict[str, bool]:
    """Whether each of these webhooks exists and is active (absent: it does not exist)."""
    query = select(webhooks.c.id, webhooks.c.active).where(webhooks.c.id.in_(webhook_ids))
    return {row.id: bool(row.active) for row in await connection.execute(query)}
