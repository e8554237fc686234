"""Random catalogs with variants, random filters and sorts: the index answers as the brute-force model does.

Each example indexes a catalog of synthetic snapshots through the real projections and writer into indices of
its own, then searches it with several random filters; hits (in order, for the price sorts), totals and every
facet must equal `tests/support/catalog_oracle.py` over the same snapshots. The searches and the vocabularies
(small, so that values collide) are `tests/support/catalog_searches.py`'s.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from elastic_transport import OrjsonSerializer
from elasticsearch import AsyncElasticsearch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.model.snapshots import ProductSnapshot
from read_index.indices import delete_indices, ensure_indices
from read_index.search import ProductFilter, ProductSort
from tests.integration.read_index.states import Variant, index_states, product_state
from tests.support.catalog_oracle import CatalogOracle
from tests.support.catalog_searches import (
    ATTRIBUTES,
    BRANDS,
    CATEGORIES,
    OPTION_NAMES,
    OPTION_VALUES,
    PRICES,
    assert_answered_as_the_oracle,
    random_searches,
)
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

FILTERS_PER_CATALOG = 6


@st.composite
def variants(draw: st.DrawFn, number: int) -> list[Variant]:
    """From 3 to 12 variants over one set of option names, no two active ones alike, at least one active."""
    names = draw(st.sampled_from(OPTION_NAMES))
    combinations = st.tuples(*(st.sampled_from(OPTION_VALUES[name]) for name in names))
    chosen = draw(st.lists(combinations, min_size=3, max_size=12))
    made: list[Variant] = []
    active: set[tuple[str, ...]] = set()
    for i, values in enumerate(chosen):
        discontinued = values in active or (i > 0 and draw(st.booleans()) and draw(st.booleans()))
        on_hand = draw(st.integers(0, 3))
        made.append(
            Variant(
                f"P{number}-V{i}",
                tuple(zip(names, values, strict=True)),
                price=draw(st.none() | st.sampled_from(PRICES)),
                status="DISCONTINUED" if discontinued else "ACTIVE",
                on_hand=on_hand,
                reserved=draw(st.integers(0, on_hand)),
            )
        )
        if not discontinued:
            active.add(values)
    return made


@st.composite
def product(draw: st.DrawFn, number: int) -> ProductSnapshot:
    on_hand = draw(st.integers(0, 3))
    return product_state(
        f"Product {number}",
        sku=f"P{number}",
        id=f"p{number:03}",
        brand=draw(st.none() | st.sampled_from(BRANDS)),
        category_path=draw(st.sampled_from(CATEGORIES)),
        attributes=draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=2, unique_by=lambda pair: pair[0])),
        price=draw(st.sampled_from(PRICES)),
        status=draw(st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "DISCONTINUED"])),
        on_hand=on_hand,
        reserved=draw(st.integers(0, on_hand)),
        variants=draw(st.none() | st.none() | variants(number)),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> list[ProductSnapshot]:
    count = draw(st.integers(1, 20))
    return [draw(product(number)) for number in range(count)]


async def compare(url: str, catalog: list[ProductSnapshot], searches: list[tuple[ProductFilter, ProductSort]]) -> None:
    client = AsyncElasticsearch(url, request_timeout=30, serializer=OrjsonSerializer())
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    try:
        await ensure_indices(client, prefix)
        await index_states(client, prefix, catalog)
        reader = catalog_reader(client, prefix)
        await assert_answered_as_the_oracle(reader, CatalogOracle(catalog), searches)
    finally:
        await delete_indices(client, prefix)
        await client.close()


def test_random_searches_over_random_catalogs_answer_as_the_brute_force_model(elasticsearch_url: str) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        catalogs(),
        random_searches(FILTERS_PER_CATALOG),
    )
    def answer_alike(catalog: list[ProductSnapshot], searches: list[tuple[ProductFilter, ProductSort]]) -> None:
        asyncio.run(compare(elasticsearch_url, catalog, searches))

    answer_alike()
