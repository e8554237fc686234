"""Which database errors mean 'a concurrent transaction got in the way; run the command again', and which mean
'the sku is taken' or 'the slug is taken'."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# serialization_failure, deadlock_detected, unique_violation (a racing insert of the same key), lock_not_available
_POSTGRES_TRANSIENT = {"40001", "40P01", "23505", "55P03"}
_SQLITE_TRANSIENT = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_POSTGRES_UNIQUE_VIOLATION = "23505"
# The UNIQUE constraints on products.sku and products.slug, as each database names them (migrations/versions/0001:
# unnamed; 0002: the index products_slug_key).
_POSTGRES_SKU_CONSTRAINT = "products_sku_key"
_SQLITE_SKU_MESSAGE = "UNIQUE constraint failed: products.sku"
_POSTGRES_SLUG_CONSTRAINT = "products_slug_key"
_SQLITE_SLUG_MESSAGE = "UNIQUE constraint failed: products.slug"


def is_transient(error: DBAPIError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_TRANSIENT
    return getattr(original, "sqlite_errorname", None) in _SQLITE_TRANSIENT


def is_sku_taken(error: DBAPIError) -> bool:
    """The insert of a product collided with an existing product's sku (not a racing idempotency key: that one
    stays transient)."""
    return _violates(error, _POSTGRES_SKU_CONSTRAINT, _SQLITE_SKU_MESSAGE)


def is_slug_taken(error: DBAPIError) -> bool:
    """The insert or update of a product collided with another product's slug."""
    return _violates(error, _POSTGRES_SLUG_CONSTRAINT, _SQLITE_SLUG_MESSAGE)


def _violates(error: DBAPIError, postgres_constraint: str, sqlite_message: str) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        diagnostics = getattr(original, "diag", None)
        constraint = getattr(diagnostics, "constraint_name", None)
        return sqlstate == _POSTGRES_UNIQUE_VIOLATION and constraint == postgres_constraint
    return getattr(original, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_UNIQUE" and str(original).startswith(
        sqlite_message
    )
