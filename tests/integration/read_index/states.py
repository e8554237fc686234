"""Aggregate snapshots as the write model puts them on outbox records, and a way to index them for a test."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import AsyncElasticsearch

from domain.model.snapshots import OrderLineSnapshot, OrderSnapshot, ProductSnapshot
from domain.outbox import OutboxPosition, OutboxRecord
from read_index.indices import refresh
from read_index.projections import project
from read_index.writer import BulkReport, apply

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def product_state(
    name: str,
    *,
    sku: str | None = None,
    id: str | None = None,
    description: str | None = None,
    brand: str | None = None,
    category_path: Iterable[str] = (),
    attributes: Iterable[tuple[str, str]] = (),
    price: str = "10.00",
    currency: str = "EUR",
    status: str = "ACTIVE",
    on_hand: int = 5,
    reserved: int = 0,
    version: int = 1,
    created_minutes: int = 0,
) -> ProductSnapshot:
    created = (EPOCH + timedelta(minutes=created_minutes)).isoformat()
    return {
        "id": id or str(uuid.uuid4()),
        "sku": sku or f"SKU-{uuid.uuid4().hex[:10].upper()}",
        "name": name,
        "description": description,
        "brand": brand,
        "category_path": list(category_path),
        "attributes": [[attribute, value] for attribute, value in attributes],
        "price": {"amount": price, "currency": currency},
        "status": status,
        "on_hand": on_hand,
        "reserved": reserved,
        "version": version,
        "created_at": created,
        "updated_at": created,
    }


def order_state(
    customer_id: str, *, placed_minutes: int, status: str = "PLACED", id: str | None = None, version: int = 1
) -> OrderSnapshot:
    placed = (EPOCH + timedelta(minutes=placed_minutes)).isoformat()
    line: OrderLineSnapshot = {
        "sku": "SKU-1",
        "product_id": "p-1",
        "product_name": "Lamp",
        "quantity": 2,
        "unit_price": {"amount": "5.00", "currency": "EUR"},
        "line_total": {"amount": "10.00", "currency": "EUR"},
    }
    return {
        "id": id or str(uuid.uuid4()),
        "customer_id": customer_id,
        "status": status,
        "lines": [line],
        "total": {"amount": "10.00", "currency": "EUR"},
        "version": version,
        "placed_at": placed,
        "updated_at": placed,
    }


def record(aggregate_type: str, state: Any, *, id: str = "", version: int = 0) -> OutboxRecord:
    """`state`: a snapshot, or a test's variant of one ({**snapshot, "version": 2}), or None."""
    return OutboxRecord(
        position=OutboxPosition(0, 0),
        aggregate_type=aggregate_type,
        aggregate_id=state["id"] if state else id,
        aggregate_version=state["version"] if state else version,
        event_type="Test",
        payload={},
        state=state,
        occurred_at=EPOCH,
    )


async def index_states(
    client: AsyncElasticsearch,
    prefix: str,
    products: Iterable[Any] = (),
    orders: Iterable[Any] = (),
) -> BulkReport:
    records = [record("product", state) for state in products] + [record("order", state) for state in orders]
    report = await apply(client, prefix, project(records))
    assert report.ok, report.failures
    await refresh(client, prefix)
    return report
