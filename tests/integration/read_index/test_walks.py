"""A walk through pages sees one view of the index, whatever is written meanwhile: every match exactly once.

Issue 14, item 12: with PRICE_ASC, moving an already-seen product to 5 000 and an unseen one to 0.10 mid-walk
gave a duplicate and a miss. Walks now read through a point in time that their cursors carry.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest
from elasticsearch import AsyncElasticsearch

from domain.model.snapshots import OrderSnapshot, ProductSnapshot
from read_index.errors import InvalidCursor
from read_index.indices import ensure_indices
from read_index.points_in_time import CursorOptions
from read_index.queries import CatalogReader
from read_index.search import ProductFilter, ProductSort, SearchRequest
from tests.integration.read_index.states import index_states, order_state, product_state
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

Between = Callable[[int], Awaitable[None]]
# One point in time per read model, shared by first pages for as long as it lives: no test depends on a clock.
ONE_SHARED = CursorOptions(keep_alive_seconds=600, max_open=2)


@pytest.fixture
async def prefix(es_client: AsyncElasticsearch, index_prefix: str) -> str:
    await ensure_indices(es_client, index_prefix)
    return index_prefix


def priced(count: int) -> list[ProductSnapshot]:
    return [product_state(f"Chair {i:02d}", price=f"{i}.00", created_minutes=i) for i in range(1, count + 1)]


def changed(state: Any, **fields: Any) -> Any:
    return {**state, **fields, "version": state["version"] + 1}


def cursor_parts(cursor: str) -> list[Any]:
    parts: list[Any] = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return parts


async def walk_products(reader: CatalogReader, request: SearchRequest, between: Between) -> list[dict[str, Any]]:
    """Every page of `request`, calling `between(page number)` after each page that has a next one."""
    seen: list[dict[str, Any]] = []
    after = None
    totals = set()
    for number in range(1, 50):
        page = await reader.search_products(
            SearchRequest(filter=request.filter, sort=request.sort, first=request.first, after=after)
        )
        seen.extend(document for _, document in page.edges)
        totals.add(page.total_count)
        if not page.has_next_page:
            assert len(totals) == 1, "the total changed during the walk"
            return seen
        after = page.end_cursor
        await between(number)
    raise AssertionError("the walk did not end")


async def test_a_walk_sees_each_match_once_while_products_move_appear_and_vanish(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    original = priced(20)
    await index_states(es_client, prefix, original)
    reader = catalog_reader(es_client, prefix)

    # After page p (products 0 .. 4p-1 seen): which product each change hits; every one of them a different one.
    seen_to_last = {1: 1, 2: 5, 3: 9, 4: 2}
    unseen_to_first = {1: 17, 2: 18, 3: 19, 4: 16}
    unseen_discontinued = {1: 11, 2: 14, 3: 15}
    unseen_deleted = {1: 10, 2: 12, 3: 13}

    async def hostile(page: int) -> None:
        changes = [
            changed(original[seen_to_last[page]], price={"amount": "5000.00", "currency": "EUR"}),
            changed(original[unseen_to_first[page]], price={"amount": "0.10", "currency": "EUR"}),
            product_state(f"New chair {page}", price=f"{page * 4 + 2}.50"),  # new, ahead of the cursor
        ]
        if page in unseen_discontinued:
            changes.append(changed(original[unseen_discontinued[page]], status="DISCONTINUED"))
            await es_client.delete(index=f"{prefix}-products", id=original[unseen_deleted[page]]["id"])
        await index_states(es_client, prefix, changes)

    walked = await walk_products(reader, SearchRequest(sort=ProductSort.PRICE_ASC, first=4), hostile)

    assert [document["id"] for document in walked] == [state["id"] for state in original]
    assert [Decimal(document["price"]["amount"]) for document in walked] == [Decimal(i) for i in range(1, 21)]


@pytest.mark.parametrize("sort", [ProductSort.PRICE_DESC, ProductSort.NAME_ASC])
async def test_every_sort_walks_one_view_of_the_index(
    es_client: AsyncElasticsearch, prefix: str, sort: ProductSort
) -> None:
    original = priced(12)
    await index_states(es_client, prefix, original)
    reader = catalog_reader(es_client, prefix)
    before = await reader.search_products(SearchRequest(sort=sort, first=100))

    async def rename_and_reprice_all(page: int) -> None:
        await index_states(
            es_client,
            prefix,
            [changed(state, name=f"A{page} {state['name']}", price={"amount": "1.00", "currency": "EUR"})
             for state in original],
        )  # fmt: skip

    walked = await walk_products(reader, SearchRequest(sort=sort, first=5), rename_and_reprice_all)

    assert [document["id"] for document in walked] == [document["id"] for _, document in before.edges]


async def test_an_order_listing_walk_sees_each_order_once_while_orders_change(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    placed: list[OrderSnapshot] = [order_state("alice", placed_minutes=i, id=f"order-{i:02d}") for i in range(12)]
    await index_states(es_client, prefix, orders=placed)
    reader = catalog_reader(es_client, prefix)
    walked: list[str] = []
    after = None
    for page_number in range(1, 10):
        page = await reader.orders("alice", "PLACED", 3, after)
        walked.extend(document["id"] for _, document in page.edges)
        if not page.has_next_page:
            break
        after = page.end_cursor
        await index_states(
            es_client,
            prefix,
            orders=[
                changed(placed[page_number], status="CANCELLED"),  # unseen: no longer PLACED
                order_state("alice", placed_minutes=-page_number, id=f"older-{page_number}"),  # behind the cursor
            ],
        )

    assert walked == [order["id"] for order in reversed(placed)]


async def test_a_cursor_whose_point_in_time_is_gone_is_refused_as_expired(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    await index_states(es_client, prefix, priced(6), orders=[order_state("bob", placed_minutes=i) for i in range(4)])
    reader = catalog_reader(es_client, prefix)
    products = await reader.search_products(SearchRequest(first=2))
    orders = await reader.orders("bob", None, 2, None)
    assert products.end_cursor is not None
    assert orders.end_cursor is not None

    for cursor in (products.end_cursor, orders.end_cursor):
        await es_client.close_point_in_time(id=cursor_parts(cursor)[4])

    with pytest.raises(InvalidCursor) as products_refused:
        await reader.search_products(SearchRequest(first=2, after=products.end_cursor))
    with pytest.raises(InvalidCursor) as orders_refused:
        await reader.orders("bob", None, 2, orders.end_cursor)
    for refused in (products_refused.value, orders_refused.value):
        assert refused.field == "after"
        assert "expired" in refused.message
    assert (await reader.search_products(SearchRequest(first=2))).total_count == 6  # a first page opens another


async def test_first_pages_share_a_point_in_time_and_a_read_with_a_token_gets_a_fresh_one(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    await index_states(es_client, prefix, priced(5))
    reader = catalog_reader(es_client, prefix, options=ONE_SHARED)
    cheap = await reader.search_products(SearchRequest(sort=ProductSort.PRICE_ASC, first=1))
    await index_states(es_client, prefix, [product_state("Written before the read", price="0.50")])

    shared = await reader.search_products(SearchRequest(sort=ProductSort.NEWEST, first=1))
    fresh = await reader.search_products(SearchRequest(sort=ProductSort.PRICE_ASC, first=1), fresh=True)

    assert cheap.end_cursor is not None
    assert shared.end_cursor is not None
    assert fresh.end_cursor is not None
    assert cursor_parts(shared.end_cursor)[4] == cursor_parts(cheap.end_cursor)[4]
    assert shared.total_count == 5  # the shared view is older than the write
    assert cursor_parts(fresh.end_cursor)[4] != cursor_parts(cheap.end_cursor)[4]
    assert fresh.edges[0][1]["name"] == "Written before the read"


async def test_beyond_the_bound_the_least_recently_used_point_in_time_is_released(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    await index_states(es_client, prefix, priced(6))
    reader = catalog_reader(es_client, prefix, options=ONE_SHARED)  # one per read model
    first_walk = await reader.search_products(SearchRequest(first=2))
    await index_states(es_client, prefix, [product_state("Another", price="3.50")])
    second_walk = await reader.search_products(SearchRequest(first=2), fresh=True)  # needs a newer view

    with pytest.raises(InvalidCursor) as refused:
        await reader.search_products(SearchRequest(first=2, after=first_walk.end_cursor))
    assert "expired" in refused.value.message
    assert (await reader.search_products(SearchRequest(first=2, after=second_walk.end_cursor))).total_count == 7


async def test_a_cursor_naming_an_index_of_another_read_model_is_refused(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    await index_states(es_client, prefix, priced(4), orders=[order_state("eve", placed_minutes=i) for i in range(4)])
    reader = catalog_reader(es_client, prefix)
    everything = ProductFilter(include_discontinued=True)
    products = await reader.search_products(SearchRequest(first=1, filter=everything))
    orders = await reader.orders(None, None, 1, None)
    assert products.end_cursor is not None
    assert orders.end_cursor is not None
    version, kind, scope, values, _, products_index = cursor_parts(products.end_cursor)
    _, _, _, _, orders_pit, orders_index = cursor_parts(orders.end_cursor)

    def forged(pit: str, index: str) -> str:
        raw = orjson.dumps([version, kind, scope, values, pit, index])
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    with pytest.raises(InvalidCursor):
        await reader.search_products(
            SearchRequest(
                first=1, filter=ProductFilter(include_discontinued=True), after=forged(orders_pit, orders_index)
            )
        )
    leaked = await reader.search_products(
        SearchRequest(
            first=1, filter=ProductFilter(include_discontinued=True), after=forged(orders_pit, products_index)
        )
    )
    assert (leaked.total_count, leaked.edges) == (0, [])  # the orders' point in time, read as products: nothing


async def test_a_first_page_after_its_shared_index_was_deleted_opens_another_point_in_time(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    reader = catalog_reader(es_client, prefix, options=ONE_SHARED)
    await index_states(es_client, prefix, priced(3))
    assert (await reader.search_products(SearchRequest())).total_count == 3
    aliases = await es_client.indices.get_alias(name=f"{prefix}-products")
    [old_index] = list(aliases.body)
    await es_client.indices.delete(index=old_index)
    await ensure_indices(es_client, prefix)
    await es_client.cluster.health(index=f"{prefix}-products", wait_for_status="yellow")
    await index_states(es_client, prefix, priced(2))

    assert (await reader.search_products(SearchRequest())).total_count == 2


async def test_a_first_page_never_takes_the_point_in_time_being_released(
    es_client: AsyncElasticsearch, prefix: str
) -> None:
    await index_states(es_client, prefix, priced(4))
    reader = catalog_reader(es_client, prefix, options=ONE_SHARED)  # one per read model: a fresh read releases
    await reader.search_products(SearchRequest(first=1))

    fresh, shared = await asyncio.gather(
        reader.search_products(SearchRequest(first=1), fresh=True),
        reader.search_products(SearchRequest(first=1)),  # arrives while the fresh read releases the old one
    )

    assert fresh.end_cursor is not None
    assert shared.end_cursor is not None
    assert cursor_parts(shared.end_cursor)[4] == cursor_parts(fresh.end_cursor)[4]
