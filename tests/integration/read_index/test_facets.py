"""Facet counts equal a brute-force count over the seeded catalog: each facet ignores its own filter only."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from domain.model.snapshots import ProductSnapshot
from read_index.facet_terms import PRICE_BREAKS
from read_index.queries import CatalogReader, ProductPage
from read_index.search import AttributeFilter, ProductFilter, SearchRequest
from tests.integration.read_index.states import index_states, product_state

pytestmark = pytest.mark.elasticsearch

CATEGORIES = [
    ["Furniture", "Living Room", "Sofas"],
    ["Furniture", "Living Room", "Chairs"],
    ["Furniture", "Office", "Desks"],
    ["Furniture", "Office", "Chairs"],
    ["Furniture"],
    ["Lighting", "Lamps"],
    ["Outdoor", "Garden > Patio", "Chairs"],
    ["Outdoor", "Garden"],
    [],
]
BRANDS = ["Acme", "Nordic", "Bolt", "acme", None]
PRICES = [
    "0.50",
    "9.99",
    "24.99",
    "25.00",
    "49.99",
    "50.00",
    "99.99",
    "100.00",
    "250.00",
    "499.99",
    "500.00",
    "1999.00",
]
ATTRIBUTES = {
    "color": ["red", "blue", "green", "black"],
    "material": ["oak", "steel", "leather"],
    "size": ["S", "M"],
    "brand": ["Acme", "licensed"],  # an attribute named like a facet is still its own facet
}
# Sixteen more names, present on most products, so that filters on all twenty names still match some.
SPECS = {f"spec{k:02d}": ["x", "y"] for k in range(16)}


def generated_catalog(count: int) -> list[ProductSnapshot]:
    chance = random.Random(20261124)
    products = []
    for i in range(count):
        path = chance.choice(CATEGORIES)
        attributes = [
            (name, value)
            for name, values in ATTRIBUTES.items()
            if chance.random() < 0.8
            for value in chance.sample(values, chance.choice([1, 1, 2]))
        ] + [(name, value) for name, values in SPECS.items() if chance.random() < 0.95 for value in values[:1]]
        on_hand = chance.randint(0, 3)
        products.append(
            product_state(
                f"{chance.choice(['Oak', 'Steel', 'Soft'])} {path[-1] if path else 'Thing'} {i}",
                brand=chance.choice(BRANDS),
                category_path=path,
                attributes=attributes,
                price=chance.choice(PRICES),
                status="DISCONTINUED" if chance.random() < 0.15 else "ACTIVE",
                on_hand=on_hand,
                reserved=chance.randint(0, on_hand),
                created_minutes=i,
            )
        )
    return products


CATALOG = generated_catalog(100)


@pytest.fixture(scope="module", autouse=True)
async def catalog(module_client: AsyncElasticsearch, module_prefix: str) -> None:
    await index_states(module_client, module_prefix, CATALOG)


def selected(product: ProductSnapshot, wanted: ProductFilter, ignoring: str | tuple[str, str] | None = None) -> bool:
    """The filter's semantics, written out plainly; `ignoring` names the facet whose own filter is skipped."""
    amount = Decimal(product["price"]["amount"])
    pairs = {tuple(pair) for pair in product["attributes"]}
    checks = [
        wanted.include_discontinued or product["status"] == "ACTIVE",
        wanted.in_stock is None
        or wanted.in_stock == (product["status"] == "ACTIVE" and product["on_hand"] > product["reserved"]),
        ignoring == "category" or under(product, wanted.category_path or []),
        ignoring == "brand" or not wanted.brands or product["brand"] in wanted.brands,
        ignoring == "price" or wanted.price_min is None or amount >= wanted.price_min,
        ignoring == "price" or wanted.price_max is None or amount <= wanted.price_max,
        *(
            ignoring == ("attribute", attribute.name)
            or any((attribute.name, value) in pairs for value in attribute.values)
            for attribute in wanted.attributes
        ),
    ]
    return all(checks)


def under(product: ProductSnapshot, path: list[str]) -> bool:
    return bool(product["category_path"][: len(path)] == path)


def expected_facets(products: list[ProductSnapshot], wanted: ProductFilter) -> dict[str, Any]:
    path = wanted.category_path or []
    categories = Counter(
        product["category_path"][len(path)]
        for product in products
        if selected(product, wanted, "category") and under(product, path) and len(product["category_path"]) > len(path)
    )
    brands = Counter(
        product["brand"] for product in products if selected(product, wanted, "brand") and product["brand"]
    )
    amounts = [Decimal(product["price"]["amount"]) for product in products if selected(product, wanted, "price")]
    bounds: list[Decimal | None] = [None, *PRICE_BREAKS, None]
    prices = [
        sum(1 for amount in amounts if (low is None or amount >= low) and (high is None or amount < high))
        for low, high in pairwise(bounds)
    ]
    attributes: dict[str, Counter[str]] = {}
    for product in products:
        for name, value in product["attributes"]:
            if selected(product, wanted, ("attribute", name)):
                attributes.setdefault(name, Counter())[value] += 1
    return {
        "categories": dict(categories),
        "brands": dict(brands),
        "prices": prices,
        "attributes": {name: dict(counts) for name, counts in attributes.items()},
    }


def actual_facets(page: ProductPage) -> dict[str, Any]:
    facets = page.facets
    return {
        "categories": {value.value: value.count for value in facets.categories},
        "brands": {value.value: value.count for value in facets.brands},
        "prices": [price_range.count for price_range in facets.price_ranges],
        "attributes": {facet.name: {value.value: value.count for value in facet.values} for facet in facets.attributes},
    }


FILTERS = {
    "nothing": ProductFilter(),
    "one brand": ProductFilter(brands=["Acme"]),
    "two brands and a price range": ProductFilter(
        brands=["Acme", "Nordic"], price_min=Decimal(25), price_max=Decimal(100)
    ),
    "a category and two colors": ProductFilter(
        category_path=["Furniture"], attributes=[AttributeFilter("color", ["red", "blue"])]
    ),
    "a deep category, two attributes, in stock": ProductFilter(
        category_path=["Furniture", "Office"],
        in_stock=True,
        attributes=[AttributeFilter("color", ["red", "black"]), AttributeFilter("material", ["oak", "steel"])],
    ),
    "a category with the separator-like name": ProductFilter(category_path=["Outdoor", "Garden > Patio"]),
    "a brand and an attribute named brand": ProductFilter(
        brands=["Nordic", "acme"], attributes=[AttributeFilter("brand", ["Acme"]), AttributeFilter("size", ["S"])]
    ),
    "discontinued included, a brand, a minimum price": ProductFilter(
        include_discontinued=True, brands=["Bolt"], price_min=Decimal("50.00")
    ),
    "out of stock, a maximum price equal to a price": ProductFilter(in_stock=False, price_max=Decimal("24.99")),
    "every kind of filter at once": ProductFilter(
        category_path=["Furniture"],
        brands=["Acme", "Nordic"],
        price_min=Decimal(10),
        price_max=Decimal(500),
        attributes=[AttributeFilter("color", ["red", "blue", "black"]), AttributeFilter("material", ["oak", "steel"])],
    ),
    "twenty attribute filters, a brand, a price range and a category": ProductFilter(
        category_path=["Furniture"],
        brands=["Acme", "Nordic", "Bolt"],
        price_min=Decimal(5),
        attributes=[
            *(AttributeFilter(name, values) for name, values in ATTRIBUTES.items()),
            *(AttributeFilter(name, ["x"]) for name in SPECS),
        ],
    ),
    "twenty attribute filters, one value each": ProductFilter(
        attributes=[AttributeFilter(name, values[:1]) for name, values in {**ATTRIBUTES, **SPECS}.items()],
    ),
}


@pytest.mark.parametrize("wanted", FILTERS.values(), ids=FILTERS.keys())
async def test_every_facet_counts_with_all_filters_but_its_own(
    module_reader: CatalogReader, wanted: ProductFilter
) -> None:
    page = await module_reader.search_products(SearchRequest(filter=wanted, first=100))

    assert actual_facets(page) == expected_facets(CATALOG, wanted)


@pytest.mark.parametrize("wanted", FILTERS.values(), ids=FILTERS.keys())
async def test_the_total_and_the_hits_honour_every_filter(module_reader: CatalogReader, wanted: ProductFilter) -> None:
    page = await module_reader.search_products(SearchRequest(filter=wanted, first=100))

    expected = {product["id"] for product in CATALOG if selected(product, wanted)}
    assert page.total_count == len(expected)
    assert {document["id"] for _, document in page.edges} == expected


async def test_facets_of_a_text_query_count_only_its_matches(module_reader: CatalogReader) -> None:
    wanted = ProductFilter(brands=["Nordic"], attributes=[AttributeFilter("size", ["M"])])
    everything = await module_reader.search_products(SearchRequest(query="chairs", first=100))
    matching_ids = {document["id"] for _, document in everything.edges}

    page = await module_reader.search_products(SearchRequest(query="chairs", filter=wanted, first=100))

    assert 0 < len(matching_ids) < len(CATALOG)
    matching = [product for product in CATALOG if product["id"] in matching_ids]
    assert actual_facets(page) == expected_facets(matching, wanted)


async def test_facet_values_come_most_frequent_first(module_reader: CatalogReader) -> None:
    page = await module_reader.search_products(SearchRequest(first=1))

    for values in (page.facets.brands, page.facets.categories, *(facet.values for facet in page.facets.attributes)):
        assert [(-value.count, value.value) for value in values] == sorted(
            (-value.count, value.value) for value in values
        )


async def test_price_ranges_are_the_fixed_buckets(module_reader: CatalogReader) -> None:
    page = await module_reader.search_products(SearchRequest(first=1))

    bounds = [(price_range.min, price_range.max) for price_range in page.facets.price_ranges]
    assert bounds == [
        (None, Decimal(25)),
        (Decimal(25), Decimal(50)),
        (Decimal(50), Decimal(100)),
        (Decimal(100), Decimal(250)),
        (Decimal(250), Decimal(500)),
        (Decimal(500), None),
    ]
