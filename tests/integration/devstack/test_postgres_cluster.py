"""The throwaway PostgreSQL cluster hands out working databases and takes them back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy import text

from tests.support.postgres import PostgresForTests, start_session_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresForTests]:
    server = start_session_postgres()
    yield server
    server.close()


def database_names(admin_url: str) -> set[str]:
    engine = sqlalchemy.create_engine(admin_url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


def test_a_new_database_accepts_connections_and_is_postgresql(postgres: PostgresForTests) -> None:
    url = postgres.new_database("postgres_cluster")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.scalar(text("SELECT version()"))
            database = connection.scalar(text("SELECT current_database()"))
    finally:
        engine.dispose()

    assert isinstance(version, str)
    assert version.startswith("PostgreSQL ")
    assert url.endswith(f"/{database}")


def test_dropping_a_database_removes_it_even_while_a_session_uses_it(postgres: PostgresForTests) -> None:
    url = postgres.new_database("postgres_cluster")
    engine = sqlalchemy.create_engine(url)
    lingering = engine.connect()
    try:
        lingering.execute(text("SELECT 1"))

        postgres.drop_database(url)

        assert sqlalchemy.make_url(url).database not in database_names(postgres.admin_url)
        with pytest.raises(sqlalchemy.exc.OperationalError, match="does not exist"):
            engine.connect()
    finally:
        lingering.invalidate()  # the server ended its session; do not try to roll it back
        engine.dispose()
