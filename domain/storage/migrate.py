"""Applies pending Alembic migrations; `catalog serve` and `catalog migrate` call it before anything else."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError

from domain.storage.engine import create_sync

MIGRATIONS = Path(__file__).parent / "migrations"


class UnknownRevision(Exception):
    """The database was migrated by a newer release."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    engine = create_sync(url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def pending(url: str) -> list[str]:
    """Revisions not yet applied, oldest first."""
    engine = create_sync(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    todo = pending_after(current)
    if todo is None:
        at = ", ".join(current)
        raise UnknownRevision(
            f"the database is at revision {at}, which this release does not know (a newer one migrated it)"
        )
    return todo


def head() -> str:
    """The newest migration's revision."""
    return str(ScriptDirectory.from_config(_config()).get_current_head())


def pending_after(current: Iterable[str]) -> list[str] | None:
    """The revisions a database at `current` has not applied, oldest first; None when this release does not know
    one of `current` (a newer release migrated the database)."""
    script = ScriptDirectory.from_config(_config())
    applied: set[str] = set()
    try:
        for revision in current:
            applied |= {rev.revision for rev in script.iterate_revisions(revision, "base")}
    except RevisionError:
        return None
    return [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.revision not in applied]
