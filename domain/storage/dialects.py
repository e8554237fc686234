"""What the sync worker's statements do differently on PostgreSQL and SQLite: the upsert, and the time zone of
the datetimes read back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def is_postgres(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; everything this service stores is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def upsert(connection: AsyncConnection, table: Table) -> Any:
    """`INSERT … ON CONFLICT` in the connection's dialect (both have `on_conflict_do_update`)."""
    return (postgresql.insert if is_postgres(connection) else sqlite.insert)(table)
