"""What a database error means for the command that met it: a concurrent transaction got in the way (run it again),
the database cannot be used now (answer UNAVAILABLE; and whether a commit's outcome is then unknown), a bug (let
it propagate), or that the sku or the slug is taken."""

from __future__ import annotations

from enum import Enum

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from domain.ports import CommitOutcomeUnknown, StoreUnavailable, TransientConflict

# serialization_failure, deadlock_detected, unique_violation (a racing insert of the same key), lock_not_available
_POSTGRES_TRANSIENT = {"40001", "40P01", "23505", "55P03"}
_SQLITE_TRANSIENT = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
# SQLSTATE classes: connection_exception, insufficient_resources (too many connections, disk full), and
# operator_intervention's shutdowns (admin, crash, cannot connect now)
_POSTGRES_UNAVAILABLE = ("08", "53", "57P")
# The result codes (extended ones start with these) of a database file that cannot be opened, read or written
_SQLITE_UNAVAILABLE = ("SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_NOTADB")
_SQLITE_LOCK_HELD = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_POSTGRES_UNIQUE_VIOLATION = "23505"
# undefined_table, undefined_column; SQLite says it in words (its result code is the generic SQLITE_ERROR)
_POSTGRES_UNDEFINED = {"42P01", "42703"}
_SQLITE_UNDEFINED = ("no such table", "no such column")
_SQLITE_NO_COLUMN_NAMED = " has no column named "
# The UNIQUE constraints on products.sku and products.slug, as each database names them (migrations/versions/0001:
# unnamed; 0002: the index products_slug_key).
_POSTGRES_SKU_CONSTRAINT = "products_sku_key"
_SQLITE_SKU_MESSAGE = "UNIQUE constraint failed: products.sku"
_POSTGRES_SLUG_CONSTRAINT = "products_slug_key"
_SQLITE_SLUG_MESSAGE = "UNIQUE constraint failed: products.slug"


class Stage(Enum):
    """Where in a command's transaction an error came up."""

    BEGIN = "begin"
    """Connecting, or taking SQLite's write lock (BEGIN IMMEDIATE, which waits the busy timeout for it)."""
    STATEMENT = "statement"
    COMMIT = "commit"


def is_transient(error: DBAPIError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_TRANSIENT
    return getattr(original, "sqlite_errorname", None) in _SQLITE_TRANSIENT


def is_unavailable(error: BaseException) -> bool:
    """The database could not be used at all (down, restarting, out of connections or disk, its file unreadable
    or read-only): no fault of the command's, and pointless to run again at once."""
    if isinstance(error, PoolTimeout | OSError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    sqlite_name = getattr(original, "sqlite_errorname", None)
    if sqlite_name is not None:
        return str(sqlite_name).startswith(_SQLITE_UNAVAILABLE)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None:  # no answer from a server (refused, closed, timed out), rather than an error it sent
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return str(sqlstate).startswith(_POSTGRES_UNAVAILABLE)


def store_refusal(error: BaseException, stage: Stage) -> Exception | None:
    """The exception a command attempt raises instead of `error`, met at `stage`; None to let `error` propagate.

    - TransientConflict: a concurrent transaction got in the way, or a pooled connection turned out dead before
      COMMIT was sent (nothing written): the bus runs the command again;
    - CommitOutcomeUnknown: the connection was lost during COMMIT: written or not, nobody can tell;
    - StoreUnavailable: the database cannot be used now, nothing was written; also a SQLite write lock another
      process still holds after the busy timeout.
    """
    reason = str(getattr(error, "orig", None) or error)
    if isinstance(error, DBAPIError):
        if stage is Stage.BEGIN and getattr(error.orig, "sqlite_errorname", None) in _SQLITE_LOCK_HELD:
            return StoreUnavailable(f"another process holds the database's write lock: {reason}")
        if is_transient(error):
            return TransientConflict(reason)
        if error.connection_invalidated and stage is Stage.COMMIT:
            return CommitOutcomeUnknown(reason)
        if error.connection_invalidated and stage is Stage.STATEMENT:
            return TransientConflict(reason)
    if is_unavailable(error):
        return StoreUnavailable(reason)
    return None


def is_schema_mismatch(error: BaseException) -> bool:
    """A table or column the statement names is missing: the schema is not the code's (a migration not applied,
    or undone). No retry fixes it."""
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_UNDEFINED
    message = str(error.orig)
    undefined = message.startswith(_SQLITE_UNDEFINED) or _SQLITE_NO_COLUMN_NAMED in message
    return isinstance(error, OperationalError) and undefined


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
