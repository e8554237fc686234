"""Aggregate snapshots as the write model puts them on outbox records, and a way to index them for a test."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from elasticsearch import AsyncElasticsearch

from domain.model.snapshots import (
    ImageSnapshot,
    MoneySnapshot,
    OrderLineSnapshot,
    OrderSnapshot,
    ProductSnapshot,
    VariantSnapshot,
)
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
    slug: str | None = None,
    images: Iterable[ImageSnapshot] = (),
    variants: Iterable[Variant] | None = None,
) -> ProductSnapshot:
    """A product as the write model snapshots it: without `variants`, one variant with the product's sku, price and
    stock (a product created without variants); with them, the product's stock sums theirs."""
    created = (EPOCH + timedelta(minutes=created_minutes)).isoformat()
    sku = sku or f"SKU-{uuid.uuid4().hex[:10].upper()}"
    default_price: MoneySnapshot = {"amount": price, "currency": currency}
    if variants is None:
        shaped = [variant_snapshot(name, Variant(sku, price=None, on_hand=on_hand, reserved=reserved), default_price)]
    else:
        shaped = [variant_snapshot(name, variant, default_price) for variant in variants]
        on_hand = sum(variant["on_hand"] for variant in shaped)
        reserved = sum(variant["reserved"] for variant in shaped)
    return {
        "id": id or str(uuid.uuid4()),
        "sku": sku,
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
        "slug": slug or f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:6]}",
        "images": list(images),
        "variants": shaped,
    }


@dataclass(frozen=True)
class Variant:
    """A variant of `product_state`: its sku, options, own price (None: the product's), status and stock."""

    sku: str
    options: tuple[tuple[str, str], ...] = ()
    price: str | None = None
    status: str = "ACTIVE"
    on_hand: int = 5
    reserved: int = 0


def variant(sku: str, *options: tuple[str, str], price: str | None = None, **fields: Any) -> Variant:
    return Variant(sku, tuple(options), price, **fields)


def variant_snapshot(product_name: str, variant: Variant, default_price: MoneySnapshot) -> VariantSnapshot:
    own: MoneySnapshot | None = (
        {"amount": variant.price, "currency": default_price["currency"]} if variant.price is not None else None
    )
    return {
        "id": str(uuid.uuid4()),
        "sku": variant.sku,
        "name": " / ".join((product_name, *(value for _, value in variant.options))),
        "options": [[name, value] for name, value in variant.options],
        "price": own or default_price,
        "own_price": own,
        "status": variant.status,
        "on_hand": variant.on_hand,
        "reserved": variant.reserved,
    }


def before_variants(state: ProductSnapshot) -> ProductSnapshot:
    """The snapshot as the write model made it before issue 16: no slug, images or variants."""
    old = dict(state)
    for key in ("slug", "images", "variants"):
        old.pop(key, None)
    return cast(ProductSnapshot, old)


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
