"""Outbox records -> index operations: one projection per aggregate type, registered in `PROJECTIONS`.

Each record carries its aggregate's snapshot after the event (`domain/model/snapshots.py`), so a projection
needs no lookups and every operation is versioned with the aggregate's version: the index keeps the newest state
whatever the order or number of deliveries. Adding a read model means adding a projection here; the worker stays
generic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson

from domain.model.events import ORDER, PRODUCT, WEBHOOK
from domain.model.snapshots import OrderSnapshot, ProductSnapshot, WebhookSnapshot
from domain.outbox import OutboxRecord
from read_index.documents import order_document, product_document, webhook_document
from read_index.indices import ORDERS, PRODUCTS, WEBHOOKS


@dataclass(frozen=True, slots=True)
class IndexOp:
    """Put `document` (or delete, when None) under `doc_id` in `read_model`, unless a newer version is there."""

    read_model: str
    doc_id: str
    version: int
    document: dict[str, Any] | orjson.Fragment | None
    """The document, or its JSON already made (`project(..., encoded=True)`)."""


# `PROJECTIONS` routes records by their aggregate type, and a record's state is the snapshot of that type: the
# casts below say so to mypy, which cannot see it through the outbox's `aggregate_type` column.


def project_product(record: OutboxRecord) -> list[IndexOp]:
    state = record.state
    if state is None:
        return []
    document = product_document(cast(ProductSnapshot, state))
    return [IndexOp(PRODUCTS, record.aggregate_id, record.aggregate_version, document)]


def project_order(record: OutboxRecord) -> list[IndexOp]:
    state = record.state
    if state is None:
        return []
    document = order_document(cast(OrderSnapshot, state))
    return [IndexOp(ORDERS, record.aggregate_id, record.aggregate_version, document)]


def project_webhook(record: OutboxRecord) -> list[IndexOp]:
    state = record.state
    if state is None:
        return []
    document = webhook_document(cast(WebhookSnapshot, state))
    return [IndexOp(WEBHOOKS, record.aggregate_id, record.aggregate_version, document)]


PROJECTIONS: dict[str, Callable[[OutboxRecord], list[IndexOp]]] = {
    PRODUCT: project_product,
    ORDER: project_order,
    WEBHOOK: project_webhook,
}
READ_MODEL_OF: dict[str, str] = {PRODUCT: PRODUCTS, ORDER: ORDERS, WEBHOOK: WEBHOOKS}
"""The read model each projection writes: one document per aggregate, under the aggregate's id."""


def project(
    records: Iterable[OutboxRecord],
    *,
    acknowledged: Mapping[tuple[str, str], int] | None = None,
    encoded: bool = False,
) -> list[IndexOp]:
    """The operations of a batch: each aggregate's newest state only (in order of first mention).

    Every record carries its aggregate's whole state, so the newest record of an aggregate makes every older one
    redundant: they are picked out first, and only the newest is projected (a burst of changes to one product
    costs one document). Records without a state, and records of an aggregate type no read model projects,
    yield nothing. With `acknowledged` (the version the index is known to hold, per read model and document
    id), a record at or below it yields nothing either, and its document is never built.

    `encoded` gives each document as its JSON, made as soon as the document is built: the sync worker holds a
    few batches until Elasticsearch has them, and held as dicts their documents are most of what the garbage
    collector walks over and over (as bytes, nothing: docs/performance.md, finding 28).
    """
    newest: dict[tuple[str, str], OutboxRecord] = {}
    for record in records:
        if not record.has_state or record.aggregate_type not in PROJECTIONS:
            continue
        key = (record.aggregate_type, record.aggregate_id)
        current = newest.get(key)
        if current is None or record.aggregate_version > current.aggregate_version:
            newest[key] = record
    chosen: Iterable[OutboxRecord] = newest.values()
    if acknowledged:
        held = acknowledged.get
        chosen = [r for r in chosen if r.aggregate_version > held((READ_MODEL_OF[r.aggregate_type], r.aggregate_id), 0)]
    ops = (op for record in chosen for op in PROJECTIONS[record.aggregate_type](record))
    return [encoded_op(op) for op in ops] if encoded else list(ops)


def encoded_op(op: IndexOp) -> IndexOp:
    """`op` with its document as its JSON (see `project`)."""
    if op.document is None:
        return op
    return IndexOp(op.read_model, op.doc_id, op.version, orjson.Fragment(orjson.dumps(op.document)))
