"""`catalog reindex`: fresh indices from the write model while sync goes on, replay, atomic alias swap."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.model.aggregate import Aggregate
from domain.model.events import ORDER, PRODUCT
from domain.storage import aggregate_pages
from domain.storage.aggregate_rows import order_from_row, product_from_rows
from domain.storage.repositories import variants_of
from domain.storage.tables import orders, products
from read_index.indices import PRODUCTS, current_index
from read_index.search import SearchRequest
from sync.rebuild import rebuild
from tests.integration.read_index.test_segments import merged, segments_per_shard
from tests.integration.sync.conftest import FAST, WorkerFactory, assert_verified_clean, wait_until_caught_up
from tests.integration.sync.workload import Catalog, churn, create_products
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch


async def test_changes_applied_to_the_old_index_just_before_the_swap_reach_the_new_one(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    worker_engine: AsyncEngine,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 20)
    await churn(bus, catalog, 40)
    live = new_worker()
    await live.run_until_caught_up()
    copied = [len(catalog.products), len(catalog.orders), 0]  # products, orders, webhooks

    async def worst_moment() -> None:  # committed and applied to the old index after the replay, before the swap
        await create_products(bus, catalog, 5, tag="LATE")
        await churn(bus, catalog, 30, seed=99)
        await live.run_until_caught_up()

    report = await rebuild(worker_engine, es_client, index_prefix, options=FAST, before_swap=worst_moment)

    assert [index.copied for index in report.indices] == copied
    for index in report.indices:
        assert await current_index(es_client, index_prefix, index.read_model) == index.index
        assert not await es_client.indices.exists(index=index.previous or "-")
    await assert_verified_clean(engine, es_client, index_prefix)  # no worker ran after the swap


@pytest.mark.parametrize("merge", [True, False])
async def test_a_rebuilt_index_is_merged_to_one_segment_per_shard_unless_asked_not_to(
    *,
    merge: bool,
    bus: MessageBus,
    worker_engine: AsyncEngine,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 20)
    live = new_worker()

    async def changes_for_the_replay_after_the_swap() -> None:  # the new index gets a second segment from them
        await churn(bus, catalog, 30, seed=7)
        await live.run_until_caught_up()

    report = await rebuild(
        worker_engine,
        es_client,
        index_prefix,
        options=FAST,
        merge=merge,
        before_swap=changes_for_the_replay_after_the_swap,
    )

    products = next(index for index in report.indices if index.read_model == PRODUCTS)
    if merge:
        assert [index.merged_to for index in report.indices] == [1, 1, 1]
        assert await merged(es_client, products.index) == {"0": 1}
    else:
        assert [index.merged_to for index in report.indices] == [None, None, None]
        await es_client.indices.refresh(index=products.index)
        assert (await segments_per_shard(es_client, products.index))["0"] > 1


async def test_a_rebuild_under_writes_loses_nothing_and_queries_keep_answering(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    worker_engine: AsyncEngine,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 60)
    await churn(bus, catalog, 60)
    live = new_worker()
    stop_live, stop_writes = asyncio.Event(), asyncio.Event()
    live_run = asyncio.create_task(live.run(stop_live))
    await wait_until_caught_up(engine)
    reader = catalog_reader(es_client, index_prefix)
    await es_client.indices.refresh(index=f"{index_prefix}-products")
    baseline = (await reader.search_products(SearchRequest())).total_count
    first_id = catalog.product_ids[0]
    answers: list[int] = []

    async def write() -> None:
        rounds = 0
        while not stop_writes.is_set():
            await create_products(bus, catalog, 3, tag=f"R{rounds}")
            await churn(bus, catalog, 5, seed=rounds, discontinue=False)
            rounds += 1

    async def query() -> None:
        while True:
            page = await reader.search_products(SearchRequest())
            assert page.total_count >= baseline  # never an empty or half-built index behind the alias
            assert await reader.product(first_id) is not None
            answers.append(page.total_count)
            await asyncio.sleep(0.01)

    writer, querier = asyncio.create_task(write()), asyncio.create_task(query())
    try:
        options = dataclasses.replace(FAST, batch_size=20)
        report = await rebuild(worker_engine, es_client, index_prefix, options=options)
        await asyncio.sleep(0.5)  # writes and queries go on against the new indices
        assert not querier.done()  # no query failed
        stop_writes.set()
        await writer
        await wait_until_caught_up(engine)
    finally:
        stop_writes.set()
        stop_live.set()
        querier.cancel()
        await asyncio.gather(writer, live_run, return_exceptions=True)
    assert report.replayed > 0  # writes happened during the build, and were replayed into the new indices
    assert len(answers) > 10
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_the_copy_reads_each_aggregate_with_the_state_its_domain_model_gives(
    *, bus: MessageBus, engine: AsyncEngine
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 12)
    await churn(bus, catalog, 40)

    async with engine.connect() as connection:
        variants = await variants_of(connection, list((await connection.execute(select(products.c.id))).scalars()))
        loaders: tuple[tuple[str, Table, Callable[[Any], Aggregate]], ...] = (
            (PRODUCT, products, lambda row: product_from_rows(row, variants[row["id"]])),
            (ORDER, orders, order_from_row),
        )
        for aggregate_type, table, load in loaders:
            rows = (await connection.execute(select(table).order_by(table.c.id))).mappings().all()
            read = await aggregate_pages.read_states(connection, aggregate_type, None, len(rows) + 1)

            assert [(state.aggregate_id, state.version, state.state) for state in read] == [
                (row["id"], row["version"], load(row).snapshot()) for row in rows
            ]
