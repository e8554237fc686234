"""Which database errors mean 'a concurrent transaction got in the way; run the command again'."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# serialization_failure, deadlock_detected, unique_violation (a racing insert of the same key), lock_not_available
_POSTGRES_TRANSIENT = {"40001", "40P01", "23505", "55P03"}
_SQLITE_TRANSIENT = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def is_transient(error: DBAPIError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_TRANSIENT
    return getattr(original, "sqlite_errorname", None) in _SQLITE_TRANSIENT
