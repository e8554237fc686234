"""Whether the database's schema is the one this code reads and writes: every process that opens the database
without migrating it (the sync worker, webhook delivery, the `catalog` commands other than `serve` and `migrate`)
checks it first, and refuses at once, in one line, instead of meeting a missing table or column later (where a
worker would take it for an outage and retry for ever).

One query on the hot path (the `alembic_version` row); alembic itself is loaded only to word a mismatch.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

SCHEMA_REVISION = "0004"
"""The newest migration's revision: the schema `tables.py` describes (a test holds it to the migrations' head)."""

_VERSION_TABLE = "alembic_version"
_MIGRATE = "run `catalog migrate`"


class SchemaMismatch(Exception):
    """The database's schema is not this release's: `detail` continues "the database …" (the CLI names it)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the database {detail}")
        self.detail = detail


async def check_schema(connection: AsyncConnection) -> None:
    """Raises `SchemaMismatch` unless the database is at `SCHEMA_REVISION`."""
    mismatch = await connection.run_sync(schema_mismatch)
    if mismatch is not None:
        raise SchemaMismatch(mismatch)


def schema_mismatch(connection: Connection) -> str | None:
    """None when the database is at `SCHEMA_REVISION`; otherwise what is wrong, and what to do."""
    if not inspect(connection).has_table(_VERSION_TABLE):
        return f"has no catalog schema: {_MIGRATE}"
    current = sorted(connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalars())
    if current == [SCHEMA_REVISION]:
        return None
    from domain.storage.migrate import pending_after  # alembic: loaded to word a mismatch only

    todo = pending_after(current)
    at = ", ".join(current) or "none"
    if todo is None:
        return (
            f"is at schema revision {at}, which this release (revision {SCHEMA_REVISION}) does not know: a newer "
            "release migrated it; run that release"
        )
    migrations = "1 migration" if len(todo) == 1 else f"{len(todo)} migrations"
    return f"is at schema revision {at}, {migrations} behind this release ({', '.join(todo)}): {_MIGRATE}"
