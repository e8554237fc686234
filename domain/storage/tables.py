"""The write model's tables. Migrations in `migrations/` create them; this module is what the code queries."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite gives rowid-backed autoincrement only to a column declared exactly INTEGER.
Sequence64 = BigInteger().with_variant(Integer(), "sqlite")

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("brand", String(100)),
    Column("category_path", JSON, nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("price_amount", String(32), nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    # The sums over the product's variants (product_variants holds each one's stock), kept for queries of the
    # database itself; the snapshot gives them.
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("images", JSON, nullable=False),
    CheckConstraint("reserved >= 0 AND on_hand >= reserved", name="stock_never_oversold"),
    Index("products_slug_key", "slug", unique=True),
)

# A product's purchasable variants, in its order (`position`), each with its stock: orders lock the product row
# and then change one variant row, under the product's version.
product_variants = Table(
    "product_variants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("options", JSON, nullable=False),
    # The variant's own price; both null: it follows the product's default price.
    Column("price_amount", String(32)),
    Column("price_currency", String(3)),
    Column("status", String(16), nullable=False),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    CheckConstraint("reserved >= 0 AND on_hand >= reserved", name="variant_stock_never_oversold"),
    UniqueConstraint("product_id", "position", name="product_variants_position"),
)

# Every sku in use, a product's own and its variants': one primary key makes skus unique across all products and
# variants, and finds the product (and variant) of a sku. `variant_id` is null for a product's own sku when it
# names no variant (a product created with variants).
skus = Table(
    "skus",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False),
    Column("variant_id", String(36)),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("sequence", Sequence64, primary_key=True, autoincrement=True),
    # PostgreSQL: the writing transaction's id (see migrations); SQLite: always 0, its writers are serialized.
    Column("txid", BigInteger, nullable=False, server_default="0"),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", JSON(none_as_null=True)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    # partition_of(aggregate_type, aggregate_id, outbox_partitioning.partitions), written at append time.
    Column("partition", SmallInteger, nullable=False, server_default="0"),
    Index("outbox_read_order", "txid", "sequence"),
    Index("outbox_partition_read_order", "partition", "txid", "sequence"),
    Index("outbox_by_aggregate", "aggregate_type", "aggregate_id", "aggregate_version"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("consistency_token", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# How many partitions the outbox is split into: one row, the one truth every writer and worker reads at start
# (changed only by `catalog sync repartition`).
outbox_partitioning = Table(
    "outbox_partitioning",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partitions", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sync_checkpoints = Table(
    "sync_checkpoints",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("partition", Integer, primary_key=True, server_default="0"),
    Column("txid", BigInteger, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sync_leases = Table(
    "sync_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("partition", Integer, primary_key=True, server_default="0"),
    Column("owner", String(100), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The workers of a subscription that are alive, each renewing its row like a lease: how many share the partitions.
sync_workers = Table(
    "sync_workers",
    metadata,
    Column("subscription", String(64), primary_key=True),
    Column("owner", String(100), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Sequence64, primary_key=True, autoincrement=True),
    Column("subscription", String(64), nullable=False),
    Column("partition", Integer, nullable=False, server_default="0"),
    Column("txid", BigInteger, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("events", JSON, nullable=False),
    # Signs every delivery, so it is kept as given; it leaves this table only in a delivery's signature.
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The webhook delivery queue: one row per outbox record and subscribed endpoint, written in the transaction that
# advances the `webhooks` subscription's checkpoint (sync/webhooks/fan_out.py), sent by the senders.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Sequence64, primary_key=True, autoincrement=True),
    Column("webhook_id", String(36), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event", String(32), nullable=False),
    Column("txid", BigInteger, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("aggregate_type", String(32), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("first_attempt_at", DateTime(timezone=True)),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("webhook_id", "txid", "sequence", name="one_delivery_per_webhook_and_record"),
    Index("webhook_deliveries_due", "webhook_id", "status", "txid", "sequence"),
    Index("webhook_deliveries_in_order", "webhook_id", "aggregate_type", "aggregate_id", "status", "txid", "sequence"),
    Index("webhook_deliveries_by_status", "status", "id"),
)
