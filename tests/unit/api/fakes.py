"""In-memory stand-ins for the backends a resolver uses, for tests of the schema that need no store."""

from __future__ import annotations

import copy
from typing import Any

from prometheus_client import CollectorRegistry

from api.auth import Authenticator, Keys
from api.metrics import CommandMetrics
from api.outages import StoreOutages
from read_index.facets import AttributeFacet, Facets, FacetValue, PriceRange
from read_index.queries import OrderPage, ProductPage
from read_index.search import SearchRequest

SECRET = "a-test-secret-that-is-long-enough-for-hs256!"


def product(number: int) -> dict[str, Any]:
    return {
        "id": f"p{number}",
        "sku": f"SKU-{number}",
        "name": f"Oak chair {number}",
        "description": None,
        "brand": "Acme",
        "category_path": ["Furniture", "Chairs"],
        "attributes": [{"name": "color", "value": "oak"}],
        "price": {"amount": "19.90", "currency": "EUR"},
        "status": "ACTIVE",
        "on_hand": 5,
        "reserved": 1,
        "available": 4,
        "in_stock": True,
        "version": 2,
        "created_at": "2024-01-01T00:00:00+00:00",
        "updated_at": "2024-01-02T00:00:00+00:00",
    }


FACETS = Facets(
    categories=[FacetValue("Furniture", 3)],
    brands=[FacetValue("Acme", 3)],
    price_ranges=[PriceRange(None, None, 3)],
    attributes=[AttributeFacet("color", [FacetValue("oak", 3)])],
)


def order(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """An order document with these lines (snapshots of OrderLine, as indexed)."""
    return {
        "id": "o1",
        "customer_id": "c-1",
        "status": "PLACED",
        "lines": lines,
        "total": {"amount": "10.00", "currency": "EUR"},
        "version": 1,
        "placed_at": "2024-01-01T00:00:00+00:00",
        "updated_at": "2024-01-01T00:00:00+00:00",
    }


class FakeReader:
    def __init__(
        self, products: list[dict[str, Any]] | None = None, orders: list[dict[str, Any]] | None = None
    ) -> None:
        self.products = products if products is not None else [product(n) for n in range(3)]
        self.orders_by_id = {document["id"]: document for document in orders or ()}

    async def search_products(self, request: SearchRequest, *, fresh: bool = False) -> ProductPage:
        edges = [(f"cursor-{doc['id']}", copy.deepcopy(doc)) for doc in self.products[: request.first]]
        return ProductPage(edges, False, edges[-1][0] if edges else None, len(self.products), FACETS)

    async def product(self, id: str) -> dict[str, Any] | None:
        found = [doc for doc in self.products if doc["id"] == id]
        return copy.deepcopy(found[0]) if found else None

    async def orders(
        self, customer_id: str | None, status: str | None, first: int, after: str | None, *, fresh: bool = False
    ) -> OrderPage:
        return OrderPage([], False, None, 0)

    async def order(self, id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.orders_by_id.get(id))


class NoWait:
    async def wait(self, token: str | None, *, search: bool) -> None:
        return None


class FakeBackends:
    def __init__(self, reader: FakeReader | None = None) -> None:
        self.reader = reader or FakeReader()
        self.consistency = NoWait()
        self.authenticator = Authenticator(Keys(secret=SECRET))
        self.commands = CommandMetrics(CollectorRegistry())
        self.outages = StoreOutages()
        self.bus = None
