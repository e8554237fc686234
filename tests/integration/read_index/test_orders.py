"""A customer's order history: newest first, filtered by customer and status, paged by cursor."""

from __future__ import annotations

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.errors import InvalidCursor
from read_index.queries import CatalogReader
from tests.integration.read_index.states import index_states, order_state

pytestmark = pytest.mark.elasticsearch

STATUSES = ["PLACED", "PAID", "SHIPPED", "CANCELLED"]
ORDERS = [
    order_state("alice" if i % 3 else "bob", placed_minutes=i // 2, status=STATUSES[i % 4], id=f"order-{i:02d}")
    for i in range(25)
]


@pytest.fixture(scope="module", autouse=True)
async def history(module_client: AsyncElasticsearch, module_prefix: str) -> None:
    await index_states(module_client, module_prefix, orders=ORDERS)


def newest_first(customer: str | None = None, status: str | None = None) -> list[str]:
    chosen = [o for o in ORDERS if customer in (None, o["customer_id"]) and status in (None, o["status"])]
    return [o["id"] for o in sorted(chosen, key=lambda o: (-int(o["placed_at"][14:16]), o["id"]))]


async def walk(reader: CatalogReader, customer: str | None, status: str | None) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = await reader.orders(customer, status, 4, after)
        ids.extend(document["id"] for _, document in page.edges)
        if not page.has_next_page:
            return ids
        after = page.end_cursor


async def test_orders_come_newest_first_with_ties_by_id(module_reader: CatalogReader) -> None:
    page = await module_reader.orders(None, None, 100, None)

    assert [document["id"] for _, document in page.edges] == newest_first()
    assert page.total_count == len(ORDERS)


async def test_a_customer_sees_only_its_own_orders(module_reader: CatalogReader) -> None:
    assert await walk(module_reader, "bob", None) == newest_first("bob")


async def test_a_status_filter_keeps_orders_in_that_status(module_reader: CatalogReader) -> None:
    assert await walk(module_reader, None, "SHIPPED") == newest_first(status="SHIPPED")
    assert await walk(module_reader, "alice", "PAID") == newest_first("alice", "PAID")


async def test_an_order_reads_back_as_its_state(module_reader: CatalogReader) -> None:
    assert await module_reader.order("order-07") == ORDERS[7]
    assert await module_reader.order("order-99") is None


async def test_a_cursor_of_another_customer_is_refused(module_reader: CatalogReader) -> None:
    page = await module_reader.orders("alice", None, 2, None)

    with pytest.raises(InvalidCursor):
        await module_reader.orders("bob", None, 2, page.end_cursor)
