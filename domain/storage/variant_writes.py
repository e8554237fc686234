"""What a commit writes of a product's variants: the rows of new variants, with their skus claimed in the `skus`
registry, and the rows of the variants that changed since the product was loaded (an order changes one).

Claiming skus is one `INSERT … ON CONFLICT DO NOTHING RETURNING sku`: the skus it does not return belong to
another product or variant, and the transaction goes on, so the refusal names each of them. A concurrent
transaction claiming the same sku makes PostgreSQL wait for it: whichever commits first has the sku.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.ports import SkuTaken
from domain.storage.aggregate_rows import sku_rows
from domain.storage.repositories import SqlConnection
from domain.storage.tables import product_variants, skus

_INSERT_VARIANTS = insert(product_variants)
# What a command can change of a variant: its id, product, position and sku stay as they were created.
_CHANGEABLE = ("options", "price_amount", "price_currency", "status", "on_hand", "reserved")
_UPDATE_VARIANT = update(product_variants).where(product_variants.c.id == bindparam("variant_id"))
_CLAIM_SKUS = {
    "postgresql": postgresql.insert(skus).on_conflict_do_nothing().returning(skus.c.sku),
    "sqlite": sqlite.insert(skus).on_conflict_do_nothing().returning(skus.c.sku),
}


async def write_new_product_variants(
    connection: SqlConnection, variants: list[dict[str, Any]], claims: list[dict[str, Any]]
) -> None:
    """A new product's variant rows and every sku it brings (`claims`: its registry rows)."""
    await _claim(connection, claims)
    await connection.execute(_INSERT_VARIANTS, variants)


async def write_changed_variants(
    connection: SqlConnection, variants: list[dict[str, Any]], loaded: Mapping[str, dict[str, Any]]
) -> None:
    """The rows of variants added since the product was loaded (their variant rows by id in `loaded`), and of
    those that changed."""
    added = [row for row in variants if row["id"] not in loaded]
    changed = [
        {"variant_id": row["id"], **{name: row[name] for name in _CHANGEABLE}}
        for row in variants
        if row["id"] in loaded and row != loaded[row["id"]]
    ]
    if added:
        await _claim(connection, sku_rows(added))
        await connection.execute(_INSERT_VARIANTS, added)
    if changed:
        await connection.execute(_UPDATE_VARIANT, changed)


async def _claim(connection: SqlConnection, claims: list[dict[str, Any]]) -> None:
    result = await connection.execute(_CLAIM_SKUS[connection.dialect.name], claims)
    claimed = set(result.scalars())
    taken = tuple(claim["sku"] for claim in claims if claim["sku"] not in claimed)
    if taken:
        raise SkuTaken(taken)
