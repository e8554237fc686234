"""Applies pending Alembic migrations; `catalog serve` and `catalog migrate` call it before anything else."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from domain.storage.engine import create_sync

MIGRATIONS = Path(__file__).parent / "migrations"


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
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(_config())
    applied: set[str] = set()
    for revision in current:
        applied |= {rev.revision for rev in script.iterate_revisions(revision, "base")}
    return [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.revision not in applied]
