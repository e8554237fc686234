"""Alembic's entry point; `domain.storage.migrate` hands it a connection, so no URL lives in alembic.ini."""

from __future__ import annotations

from alembic import context

from domain.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
