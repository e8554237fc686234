"""Databases on a PostgreSQL server, administered through its admin URL (SQLAlchemy style, ``+psycopg``)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from devstack.errors import PostgresClusterError
from devstack.messages import first_line


def create_database_on(admin_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``admin_url``; return the new database's SQLAlchemy URL."""
    _execute(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(admin_url, name)


def drop_database_on(admin_url: str, name: str) -> None:
    """Drop database ``name`` on the server of ``admin_url``, forcing its sessions off. Missing is fine."""
    _execute(admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` with its database replaced by ``name``."""
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def wait_until_accepting(admin_url: str, timeout: float, log_file: Path) -> None:
    """Return once the server takes a connection; after ``timeout`` seconds, fail naming its log."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(_libpq_url(admin_url), connect_timeout=2) as connection:
                connection.execute("SELECT 1")
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                message = f"PostgreSQL refuses connections: {first_line(error)} (log: {log_file})"
                raise PostgresClusterError(message) from None
            time.sleep(0.05)
        else:
            return


def _execute(admin_url: str, statement: sql.Composed) -> None:
    try:
        with psycopg.connect(_libpq_url(admin_url), autocommit=True) as connection:
            connection.execute(statement)
    except psycopg.Error as error:
        raise PostgresClusterError(f"{statement.as_string(None)} failed: {first_line(error)}") from error


def _libpq_url(sqlalchemy_url: str) -> str:
    """libpq accepts ``postgresql://`` URIs but not SQLAlchemy's ``+driver`` suffix."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))
