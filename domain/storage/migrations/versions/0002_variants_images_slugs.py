"""variants, images and slugs (issue 16)

Every product gets one variant with its sku and stock (no options, no own price), a row of the sku registry, a
slug made from its name (unique: suffixes by the products' id order), and no images. The products' own
`on_hand` and `reserved` stay, as the sums over their variants. Outbox states written before stay as they are:
the read side reads a snapshot without variants as a product with one.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from alembic import op

from domain.model.slugs import candidates, made_slug

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PAGE = 1_000

# The tables as this revision knows them (the application's tables.py moves on).
_products = sa.table(
    "products",
    sa.column("id", sa.String),
    sa.column("sku", sa.String),
    sa.column("name", sa.String),
    sa.column("on_hand", sa.Integer),
    sa.column("reserved", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("images", sa.JSON),
)
_variants = sa.table(
    "product_variants",
    sa.column("id", sa.String),
    sa.column("product_id", sa.String),
    sa.column("position", sa.Integer),
    sa.column("sku", sa.String),
    sa.column("options", sa.JSON),
    sa.column("price_amount", sa.String),
    sa.column("price_currency", sa.String),
    sa.column("status", sa.String),
    sa.column("on_hand", sa.Integer),
    sa.column("reserved", sa.Integer),
)
_skus = sa.table(
    "skus", sa.column("sku", sa.String), sa.column("product_id", sa.String), sa.column("variant_id", sa.String)
)


def upgrade() -> None:
    op.create_table(
        "product_variants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("price_amount", sa.String(length=32), nullable=True),
        sa.Column("price_currency", sa.String(length=3), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.CheckConstraint("reserved >= 0 AND on_hand >= reserved", name="variant_stock_never_oversold"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "position", name="product_variants_position"),
    )
    op.create_table(
        "skus",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("variant_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("sku"),
    )
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("slug", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("images", sa.JSON(), nullable=True))
    _one_variant_and_a_slug_each(op.get_bind())
    with op.batch_alter_table("products") as batch:
        batch.alter_column("slug", existing_type=sa.String(length=100), nullable=False)
        batch.alter_column("images", existing_type=sa.JSON(), nullable=False)
        batch.create_index("products_slug_key", ["slug"], unique=True)


def _one_variant_and_a_slug_each(connection: sa.Connection) -> None:
    """Page by page (keyset on id), so memory holds one page and the slugs in use."""
    used: set[str] = set()
    after = ""
    while True:
        query = sa.select(_products).where(_products.c.id > after).order_by(_products.c.id).limit(PAGE)
        page = list(connection.execute(query))
        if not page:
            return
        variants: list[dict[str, Any]] = []
        slugs = []
        for product in page:
            variant_id = str(uuid.uuid4())
            variants.append(
                {
                    "id": variant_id,
                    "product_id": product.id,
                    "position": 0,
                    "sku": product.sku,
                    "options": [],
                    "price_amount": None,
                    "price_currency": None,
                    "status": "ACTIVE",
                    "on_hand": product.on_hand,
                    "reserved": product.reserved,
                }
            )
            slugs.append({"product": product.id, "slug": _unused(made_slug(product.name, product.sku), used)})
        connection.execute(_variants.insert(), variants)
        claims = [{"sku": row["sku"], "product_id": row["product_id"], "variant_id": row["id"]} for row in variants]
        connection.execute(_skus.insert(), claims)
        fill = _products.update().where(_products.c.id == sa.bindparam("product")).values(images=[])
        connection.execute(fill, slugs)
        after = page[-1].id


def _unused(base: str, used: set[str]) -> str:
    for round in range(1_000_000):
        for slug in candidates(base, round):
            if slug not in used:
                used.add(slug)
                return slug
    raise AssertionError("unreachable")


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_index("products_slug_key")
        batch.drop_column("images")
        batch.drop_column("slug")
    op.drop_table("skus")
    op.drop_table("product_variants")
