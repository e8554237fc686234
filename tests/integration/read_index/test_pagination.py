"""Walking pages with cursors returns every match once, in sort order, even while the index changes."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest
from elasticsearch import AsyncElasticsearch

from domain.model.snapshots import ProductSnapshot
from read_index.errors import InvalidArgument, InvalidCursor
from read_index.queries import CatalogReader
from read_index.search import ProductFilter, ProductSort, SearchRequest
from tests.integration.read_index.states import index_states, product_state
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

PRICES = ["5.00", "19.99", "19.99", "19.99", "25.00", "100.00", "7.50"]
NAMES = ["Oak Chair", "oak chair", "Öak Table", "Chair", "Chair Pad", "Zebra Chair", "Aardvark Chair"]


def catalog(count: int, name_suffix: str = "", minutes: int = 0) -> list[ProductSnapshot]:
    """Many equal prices, names and creation times, so only the tie-breaker orders them."""
    return [
        product_state(
            f"{NAMES[i % len(NAMES)]}{name_suffix}",
            price=PRICES[i % len(PRICES)],
            created_minutes=minutes + i // 3,
            description="chair" if i % 2 else "table",
        )
        for i in range(count)
    ]


CATALOG = catalog(47)


@pytest.fixture(scope="module", autouse=True)
async def seeded(module_client: AsyncElasticsearch, module_prefix: str) -> None:
    await index_states(module_client, module_prefix, CATALOG)


async def walk(
    reader: CatalogReader, request: SearchRequest, between_pages: Callable[[], Awaitable[None]] | None = None
) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        page = await reader.search_products(
            SearchRequest(
                query=request.query, filter=request.filter, sort=request.sort, first=request.first, after=after
            )
        )
        documents.extend(document for _, document in page.edges)
        if not page.has_next_page:
            assert page.end_cursor == (page.edges[-1][0] if page.edges else None)
            return documents
        after = page.end_cursor
        if between_pages is not None:
            await between_pages()
    raise AssertionError("the walk did not end")


SORT_KEYS: dict[ProductSort, Callable[[dict[str, Any]], Any]] = {
    ProductSort.PRICE_ASC: lambda d: (Decimal(d["price"]["amount"]), d["id"]),
    ProductSort.PRICE_DESC: lambda d: (-Decimal(d["price"]["amount"]), d["id"]),
    ProductSort.NEWEST: lambda d: (-int(d["created_at"][11:13]) * 60 - int(d["created_at"][14:16]), d["id"]),
    ProductSort.NAME_ASC: lambda d: (d["name"].casefold().replace("ö", "o"), d["id"]),
}


@pytest.mark.parametrize("sort", list(ProductSort))
@pytest.mark.parametrize("query", [None, "chair"])
async def test_a_walk_returns_every_match_once_in_sort_order(
    module_reader: CatalogReader, sort: ProductSort, query: str | None
) -> None:
    everything = await module_reader.search_products(SearchRequest(query=query, sort=sort, first=100))

    walked = await walk(module_reader, SearchRequest(query=query, sort=sort, first=4))

    ids = [document["id"] for document in walked]
    assert len(ids) == len(set(ids)) == everything.total_count > 4
    assert ids == [document["id"] for _, document in everything.edges]
    if sort in SORT_KEYS:
        assert walked == sorted(walked, key=SORT_KEYS[sort])


@pytest.mark.parametrize("sort", list(ProductSort))
async def test_a_walk_returns_every_match_once_while_other_products_are_written(
    es_client: AsyncElasticsearch, index_prefix: str, sort: ProductSort
) -> None:
    from read_index.indices import ensure_indices

    await ensure_indices(es_client, index_prefix)
    original = catalog(24)
    await index_states(es_client, index_prefix, original)
    reader = catalog_reader(es_client, index_prefix)
    rounds = iter(range(100))

    async def write_more() -> None:
        round_ = next(rounds)
        await index_states(es_client, index_prefix, catalog(5, name_suffix=f" {round_}", minutes=round_ * 7 - 3))

    walked = await walk(reader, SearchRequest(query="chair", sort=sort, first=5), between_pages=write_more)

    ids = [document["id"] for document in walked]
    assert len(ids) == len(set(ids))
    original_matches = {
        state["id"] for state in original if "chair" in (state["name"] + (state["description"] or "")).lower()
    }
    assert original_matches <= set(ids)


async def test_a_malformed_cursor_is_refused(module_reader: CatalogReader) -> None:
    for cursor in [
        "",
        "not a cursor",
        "!!!!",
        "eyJ4IjoxfQ",
        "W10",
        base64.urlsafe_b64encode(b"[1,2").decode(),
        "A" * 5000,
    ]:
        with pytest.raises(InvalidCursor):
            await module_reader.search_products(SearchRequest(after=cursor))


async def test_a_cursor_with_forged_sort_values_is_refused(module_reader: CatalogReader) -> None:
    page = await module_reader.search_products(SearchRequest(sort=ProductSort.PRICE_ASC, first=1))
    assert page.end_cursor is not None
    version, kind, scope, _, pit, index = orjson.loads(base64.urlsafe_b64decode(page.end_cursor + "=="))

    for values in (["cheap", "x"], [1.0], [1.0, 2], [True, "x"], [2**64 - 1, "x"], [2**70, "x"], {"a": 1}, None):
        forged = (
            base64.urlsafe_b64encode(json.dumps([version, kind, scope, values, pit, index]).encode())
            .decode()
            .rstrip("=")
        )
        with pytest.raises(InvalidCursor):
            await module_reader.search_products(SearchRequest(sort=ProductSort.PRICE_ASC, after=forged))


async def test_a_cursor_of_another_sort_or_query_is_refused(module_reader: CatalogReader) -> None:
    page = await module_reader.search_products(SearchRequest(query="chair", sort=ProductSort.PRICE_ASC, first=1))

    with pytest.raises(InvalidCursor):
        await module_reader.search_products(
            SearchRequest(query="chair", sort=ProductSort.PRICE_DESC, after=page.end_cursor)
        )
    with pytest.raises(InvalidCursor):
        await module_reader.search_products(
            SearchRequest(query="table", sort=ProductSort.PRICE_ASC, after=page.end_cursor)
        )
    with pytest.raises(InvalidCursor):
        await module_reader.search_products(
            SearchRequest(
                query="chair", filter=ProductFilter(brands=["X"]), sort=ProductSort.PRICE_ASC, after=page.end_cursor
            )
        )


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_first_outside_one_to_a_hundred_is_refused(module_reader: CatalogReader, first: int) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await module_reader.search_products(SearchRequest(first=first))

    assert refused.value.field == "first"


async def test_a_price_minimum_above_the_maximum_is_refused(module_reader: CatalogReader) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await module_reader.search_products(
            SearchRequest(filter=ProductFilter(price_min=Decimal(9), price_max=Decimal(1)))
        )

    assert refused.value.field == "filter.priceMin"


async def test_the_last_page_says_there_is_no_next_page(module_reader: CatalogReader) -> None:
    page = await module_reader.search_products(SearchRequest(first=len(CATALOG)))

    assert (len(page.edges), page.has_next_page) == (len(CATALOG), False)
