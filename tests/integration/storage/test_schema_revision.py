"""The schema check every process that does not migrate runs first (`domain/storage/schema_revision.py`), on SQLite
and PostgreSQL: a database behind this release, without the catalog's schema, or migrated by a newer release is
refused with what to do; the current one passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage.engine import create_async, create_sync
from domain.storage.migrate import head, pending_after, upgrade
from domain.storage.schema_revision import SCHEMA_REVISION, SchemaMismatch, check_schema
from tests.conftest import DATABASES, new_database


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else []) for name in DATABASES]
)
async def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = new_database(request, tmp_path, "schema")
    engine = create_async(url)
    yield url, engine
    await engine.dispose()


async def refusal(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        with pytest.raises(SchemaMismatch) as refused:
            await check_schema(connection)
    return refused.value.detail


def test_the_revision_the_code_expects_is_the_newest_migration() -> None:
    assert head() == SCHEMA_REVISION


async def test_a_database_behind_this_release_is_refused_with_the_migrations_to_run(
    unmigrated: tuple[str, AsyncEngine],
) -> None:
    url, engine = unmigrated
    upgrade(url, "0003")
    todo = pending_after(["0003"])
    assert todo

    detail = await refusal(engine)

    count = "1 migration" if len(todo) == 1 else f"{len(todo)} migrations"
    assert (
        detail == f"is at schema revision 0003, {count} behind this release ({', '.join(todo)}): run `catalog migrate`"
    )


async def test_a_database_without_the_catalog_schema_is_refused(unmigrated: tuple[str, AsyncEngine]) -> None:
    _, engine = unmigrated

    assert await refusal(engine) == "has no catalog schema: run `catalog migrate`"


async def test_a_database_a_newer_release_migrated_is_refused_without_advice_to_migrate(
    unmigrated: tuple[str, AsyncEngine],
) -> None:
    url, engine = unmigrated
    upgrade(url)
    sync_engine = create_sync(url)
    try:
        with sync_engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        sync_engine.dispose()

    detail = await refusal(engine)

    assert detail.startswith(f"is at schema revision 9999, which this release (revision {SCHEMA_REVISION}) does not")
    assert "catalog migrate" not in detail


async def test_a_database_at_the_current_revision_passes(unmigrated: tuple[str, AsyncEngine]) -> None:
    url, engine = unmigrated
    upgrade(url)

    async with engine.connect() as connection:
        await check_schema(connection)
