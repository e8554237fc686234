"""Which database errors mean 'a concurrent transaction got in the way; run the command again', and which mean
'the sku is taken'."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# serialization_failure, deadlock_detected, unique_violation (a racing insert of the same key), lock_not_available
_POSTGRES_TRANSIENT = {"40001", "40P01", "23505", "55P03"}
_SQLITE_TRANSIENT = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_POSTGRES_UNIQUE_VIOLATION = "23505"
# The UNIQUE constraint on products.sku, as each database names it (migrations/versions/0001: unnamed).
_POSTGRES_SKU_CONSTRAINT = "products_sku_key"
_SQLITE_SKU_MESSAGE = "UNIQUE constraint failed: products.sku"


def is_transient(error: DBAPIError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_TRANSIENT
    return getattr(original, "sqlite_errorname", None) in _SQLITE_TRANSIENT


def is_sku_taken(error: DBAPIError) -> bool:
    """The insert of a product collided with an existing product's sku (not a racing idempotency key: that one
    stays transient)."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        diagnostics = getattr(original, "diag", None)
        constraint = getattr(diagnostics, "constraint_name", None)
        return sqlstate == _POSTGRES_UNIQUE_VIOLATION and constraint == _POSTGRES_SKU_CONSTRAINT
    return getattr(original, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_UNIQUE" and str(original).startswith(
        _SQLITE_SKU_MESSAGE
    )
