"""Store outages are typed: a command the database could not run answers UNAVAILABLE with a retry-after hint, so
does a query Elasticsearch could not answer; each outage is one log line, never a traceback per request; a
commit whose outcome is unknown says so and points to the idempotency key, whose retry is safe."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from devstack.postgres_cluster import PostgresCluster
from domain.storage import engine as storage_engine
from domain.storage.migrate import upgrade
from domain.storage.tables import products
from tests.integration.api.conftest import Api, open_api, product_input, settings_for
from tests.support.postgres import PostgresForTests
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.elasticsearch

RECEIVE = """mutation($input: ReceiveStockInput!) {
  receiveStock(input: $input) { ok version retryAfter errors { code field message } } }"""
SEARCH = "query($t: String) { searchProducts(consistencyToken: $t) { totalCount } }"
POSTGRES_COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"  # the simple-query message psycopg sends to commit
NOTHING_WRITTEN = "nothing was written"
OUTCOME_UNKNOWN = "may or may not have been written"


async def receive(api: Api, sku: str, key: str | None = None) -> dict[str, Any]:
    body = await api.graphql(RECEIVE, {"input": {"sku": sku, "quantity": 1, "idempotencyKey": key}}, api.token())
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["receiveStock"]
    return result


def outage_lines(caplog: pytest.LogCaptureFixture, store: str) -> tuple[int, int]:
    """How many lines said the store became unavailable, and available again."""
    messages = [record.getMessage() for record in caplog.records]
    went = sum(f"event=store_unavailable store={store}" in message for message in messages)
    came = sum(f"event=store_available store={store}" in message for message in messages)
    return went, came


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Of the lines the service keeps: elastic_transport logs at ERROR only (api/logs.py), quiet during outages."""
    kept = [r for r in caplog.records if not (r.name.startswith("elastic_transport") and r.levelno < logging.ERROR)]
    assert not [record.getMessage() for record in kept if record.exc_info], "a traceback was logged"


async def on_hand(api: Api, sku: str) -> int:
    async with api.services.engine.connect() as connection:
        return int((await connection.execute(select(products.c.on_hand).where(products.c.sku == sku))).scalar_one())


@pytest.mark.postgres
async def test_commands_during_a_database_restart_answer_unavailable_and_then_run_again(
    own_postgres: PostgresCluster,
    elasticsearch_url: str,
    index_prefix: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = own_postgres.create_database("outage")
    settings = settings_for(url, elasticsearch_url, index_prefix, tmp_path, sync_in_process=False)
    caplog.set_level(logging.INFO)
    async with open_api(settings) as api:
        assert (await api.command("createProduct", product_input("LOAD-1")))["ok"]
        answers: list[dict[str, Any]] = []
        stop = asyncio.Event()

        async def load() -> None:
            while not stop.is_set():
                answers.append(await receive(api, "LOAD-1", key=uuid.uuid4().hex))
                # Let the test go on: in-process HTTP, and a refused connection that fails at once, can make a
                # whole command run without suspending, and four such loops would never let the restart happen
                # (seen: the database stayed down until the test's timeout).
                await asyncio.sleep(0)

        loads = [asyncio.create_task(load()) for _ in range(4)]
        try:
            await asyncio.sleep(0.3)
            await asyncio.to_thread(own_postgres.stop)
            await asyncio.sleep(1.5)
            down = len(answers)
            await asyncio.to_thread(own_postgres.start)
            for _ in range(300):  # until the commands run again
                if sum(answer["ok"] for answer in answers[down:]) >= 8:
                    break
                await asyncio.sleep(0.1)
        finally:  # a failed restart must fail the test, not leave the load spinning forever
            stop.set()
            await asyncio.gather(*loads)
        stock = await on_hand(api, "LOAD-1")

    refused = [answer for answer in answers if not answer["ok"]]
    assert refused, "no command met the outage"
    assert {error["code"] for answer in refused for error in answer["errors"]} == {"UNAVAILABLE"}
    assert all(answer["retryAfter"] >= 1 for answer in refused)
    messages = [answer["errors"][0]["message"] for answer in refused]
    assert all(NOTHING_WRITTEN in message or OUTCOME_UNKNOWN in message for message in messages)
    assert sum(answer["ok"] for answer in answers[down:]) >= 8
    written = sum(answer["ok"] for answer in answers)
    unknown = sum(OUTCOME_UNKNOWN in message for message in messages)
    assert written <= stock <= written + unknown
    assert outage_lines(caplog, "database") == (1, 1)
    assert_no_traceback(caplog)


@pytest.mark.postgres
async def test_a_commit_whose_outcome_is_unknown_says_so_and_its_idempotency_key_retries_safely(
    postgres: PostgresForTests,
    elasticsearch_url: str,
    index_prefix: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    direct = make_url(postgres.new_database("commit_lost"))
    await asyncio.to_thread(upgrade, direct.render_as_string(hide_password=False))
    async with TcpProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
        through_proxy = direct.set(host="127.0.0.1", port=proxy.port, query={"sslmode": "disable"})
        url = through_proxy.render_as_string(hide_password=False)
        settings = settings_for(url, elasticsearch_url, index_prefix, tmp_path, sync_in_process=False)
        async with open_api(settings) as api:
            assert (await api.command("createProduct", product_input("LOST-1")))["ok"]
            proxy.cut_after_next(POSTGRES_COMMIT)  # the server commits; its answer never arrives

            lost = await receive(api, "LOST-1", key="delivery-7")
            retried = await receive(api, "LOST-1", key="delivery-7")
            stock = await on_hand(api, "LOST-1")

    assert proxy.cuts == 1
    assert (lost["ok"], [error["code"] for error in lost["errors"]]) == (False, ["UNAVAILABLE"])
    assert OUTCOME_UNKNOWN in lost["errors"][0]["message"]
    assert "idempotencyKey" in lost["errors"][0]["message"]
    assert lost["retryAfter"] >= 1
    assert (retried["ok"], retried["version"]) == (True, 2)  # the first outcome, recalled: not run twice
    assert stock == 1
    assert_no_traceback(caplog)


async def test_a_sqlite_database_locked_by_another_process_answers_unavailable(
    elasticsearch_url: str,
    index_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(storage_engine, "SQLITE_BUSY_TIMEOUT_MS", 300)  # how long a writer waits for the lock
    path = tmp_path / "catalog.db"
    settings = settings_for(f"sqlite:///{path}", elasticsearch_url, index_prefix, tmp_path, sync_in_process=False)
    caplog.set_level(logging.INFO)
    async with open_api(settings) as api:
        assert (await api.command("createProduct", product_input("LOCKED-1")))["ok"]
        other_process = sqlite3.connect(path, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")  # holds the write lock, as a backup or a shell would
        try:
            locked = [await receive(api, "LOCKED-1") for _ in range(3)]
        finally:
            other_process.execute("ROLLBACK")
            other_process.close()
        unlocked = await receive(api, "LOCKED-1")
        stock = await on_hand(api, "LOCKED-1")

    assert all([error["code"] for error in answer["errors"]] == ["UNAVAILABLE"] for answer in locked)
    assert all(NOTHING_WRITTEN in answer["errors"][0]["message"] and answer["retryAfter"] >= 1 for answer in locked)
    assert unlocked["ok"]
    assert stock == 1
    assert outage_lines(caplog, "database") == (1, 1)
    assert_no_traceback(caplog)


async def test_queries_while_elasticsearch_is_unreachable_answer_unavailable(
    database_url: str,
    elasticsearch_url: str,
    index_prefix: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    node = urlsplit(elasticsearch_url)
    async with TcpProxy(node.hostname or "127.0.0.1", node.port or 9200) as proxy:
        through_proxy = f"http://127.0.0.1:{proxy.port}"
        settings = settings_for(
            database_url, through_proxy, index_prefix, tmp_path, sync_in_process=False, consistency_timeout_seconds=1
        )
        caplog.set_level(logging.INFO)
        async with open_api(settings) as api:
            assert "errors" not in await api.graphql(SEARCH)
            await proxy.refuse()
            down = [await api.graphql(query, variables) for query, variables in unreachable_reads()]
            await proxy.start()
            back = await api.graphql(SEARCH)

    for body in down:
        extensions = body["errors"][0]["extensions"]
        assert (extensions["code"], extensions["retryAfter"] >= 1) == ("UNAVAILABLE", True), body
    assert "errors" not in back, back
    assert outage_lines(caplog, "elasticsearch") == (1, 1)
    assert_no_traceback(caplog)


def unreachable_reads() -> list[tuple[str, dict[str, Any]]]:
    return [
        (SEARCH, {}),
        (SEARCH, {}),
        ('{ product(id: "1") { id } }', {}),
        (SEARCH, {"t": "c1.0.1"}),  # waits for the applied position, which it cannot read
    ]
