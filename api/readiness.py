"""Whether the stores answer now (GET /readyz), each check bounded and never raising."""

from __future__ import annotations

import asyncio
import logging

from elasticsearch import AsyncElasticsearch
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("api.bootstrap")  # where these lines have always been logged


async def database_answers(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(2), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready
        log.warning("event=not_ready store=database error=%r", one_line(error))
        return False
    return True


async def elasticsearch_answers(client: AsyncElasticsearch) -> bool:
    """Cluster health rather than a ping: the managed node's distribution does not serve `HEAD /`."""
    try:
        health = await client.options(request_timeout=2, max_retries=0).cluster.health()
    except Exception as error:  # any failure means not ready
        log.warning("event=not_ready store=elasticsearch error=%r", one_line(error))
        return False
    return health.get("status") in ("green", "yellow")


def one_line(error: object) -> str:
    """An error's text on one line, at most 300 characters, for a log line or a start-up message."""
    return " ".join(str(error).split())[:300] or type(error).__name__
