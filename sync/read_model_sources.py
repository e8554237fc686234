"""Which write-model aggregates feed which read model, and an aggregate's current state as index operations.

A rebuild and a verification read the write model's tables, not the outbox; the projections still make the
documents, from the same state the outbox would carry, so both paths produce identical documents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.model.events import ORDER, PRODUCT, WEBHOOK
from domain.outbox import START, OutboxRecord
from domain.storage.aggregate_pages import AggregateState
from read_index.indices import ORDERS, PRODUCTS, WEBHOOKS
from read_index.projections import PROJECTIONS, IndexOp, encoded_op

SOURCES: dict[str, str] = {PRODUCTS: PRODUCT, ORDERS: ORDER, WEBHOOKS: WEBHOOK}
"""read model -> the aggregate type its documents come from (a document's id is its aggregate's id)."""

SNAPSHOT_EVENT = "Snapshot"
_SNAPSHOT_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # projections never read it; a clock read per aggregate costs


def snapshot_ops(aggregate: AggregateState, *, encoded: bool = False) -> list[IndexOp]:
    """The operations that put this aggregate's current state into its read model(s); `encoded`: their
    documents as JSON (`read_index.projections.project`)."""
    record = OutboxRecord(
        position=START,
        aggregate_type=aggregate.aggregate_type,
        aggregate_id=aggregate.aggregate_id,
        aggregate_version=aggregate.version,
        event_type=SNAPSHOT_EVENT,
        payload={},
        state=aggregate.state,
        occurred_at=_SNAPSHOT_TIME,
    )
    ops = PROJECTIONS[aggregate.aggregate_type](record)
    return [encoded_op(op) for op in ops] if encoded else ops
