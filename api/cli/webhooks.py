"""`catalog webhooks deliveries [--failed]` and `catalog webhooks retry [ID]...`: the webhook delivery queue."""

from __future__ import annotations

import asyncio
import sys

import click

from api.cli.common import settings_from_environment
from api.cli.sync import database
from domain.storage.webhook_deliveries import Delivery
from sync.webhooks.operations import Requeued, list_deliveries, retry_dead


@click.group()
def webhooks() -> None:
    """Webhook deliveries: what went where, and a second chance for dead letters (see docs/webhooks.md)."""


def _line(delivery: Delivery) -> str:
    outcome = "" if delivery.last_status_code is None else f"HTTP {delivery.last_status_code}"
    if delivery.last_error:
        outcome = " ".join(delivery.last_error.split())[:160]
    return (
        f"{delivery.id:>7}  {delivery.status:<9}  {delivery.created_at:%Y-%m-%d %H:%M:%S}  "
        f"webhook={delivery.webhook_id}  {delivery.event:<15}  "
        f"{delivery.aggregate_type}/{delivery.aggregate_id} v{delivery.aggregate_version}  "
        f"event_id={delivery.event_id}  attempts={delivery.attempts}  {outcome}"
    ).rstrip()


async def _list(failed: bool, webhook: str | None, limit: int) -> list[Delivery]:
    async with database(settings_from_environment()) as engine:
        return await list_deliveries(engine, failed_only=failed, webhook_id=webhook, limit=limit)


@webhooks.command()
@click.option("--failed", is_flag=True, help="Only dead letters, and deliveries whose last attempt failed.")
@click.option("--webhook", help="Only the deliveries to this webhook (its id).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
def deliveries(failed: bool, webhook: str | None, limit: int) -> None:
    """List deliveries, newest first: id, status, time, webhook, event, aggregate, event id, attempts, outcome.

    Statuses: pending (queued, or failing and retried), delivered, dead (retry period over: see `retry`),
    cancelled (its webhook was removed).
    """
    found = asyncio.run(_list(failed, webhook, limit))
    if not found:
        click.echo("no deliveries")
    for delivery in found:
        click.echo(_line(delivery))


async def _retry(ids: list[int] | None) -> Requeued:
    async with database(settings_from_environment()) as engine:
        return await retry_dead(engine, ids)


@webhooks.command()
@click.argument("ids", nargs=-1, type=int)
def retry(ids: tuple[int, ...]) -> None:
    """Queue dead deliveries again (no IDS: every dead one), each with a fresh retry period; the process that
    delivers webhooks (`catalog serve` or `catalog sync`) sends them. Exit 1 if a named one was not queued."""
    outcome = asyncio.run(_retry(list(ids) or None))
    for delivery_id in outcome.delivery_ids:
        click.echo(f"{delivery_id:>7}  queued again")
    for delivery_id, reason in sorted(outcome.refused.items()):
        click.echo(f"{delivery_id:>7}  not queued: {reason}", err=True)
    if not outcome.delivery_ids and not outcome.refused:
        click.echo("no dead deliveries")
    if outcome.refused and ids:
        sys.exit(1)
