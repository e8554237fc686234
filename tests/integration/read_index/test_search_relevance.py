"""What a shopper's words find, and in which order."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.queries import CatalogReader, ProductPage
from read_index.search import ProductFilter, SearchRequest
from tests.integration.read_index.states import index_states, product_state

pytestmark = pytest.mark.elasticsearch

CATALOG = {
    "sofa": product_state("Harbor Sofa", sku="SOFA-100", description="A deep three seater", category_path=["Sofas"]),
    "oak_chair": product_state("Oak Dining Chair", category_path=["Furniture", "Chairs"]),
    "chair_oak": product_state("Dining Chair in Oak", category_path=["Furniture", "Chairs"]),
    "office_chair": product_state("Leather Office Chair", brand="Ergo", attributes=[("material", "leather")]),
    "lamp": product_state("Reading Lamp", sku="CHAIR-1", description="Bright light for a reading chair"),
    "table": product_state("Crème Brûlée Table", brand="Café Co"),
    "retired": product_state("Retired Sofa", sku="SOFA-OLD", status="DISCONTINUED"),
}


@pytest.fixture(scope="module", autouse=True)
async def catalog(module_client: AsyncElasticsearch, module_prefix: str) -> None:
    await index_states(module_client, module_prefix, CATALOG.values())


async def search(reader: CatalogReader, query: str, **filters: Any) -> ProductPage:
    return await reader.search_products(SearchRequest(query=query, filter=ProductFilter(**filters)))


def names(page: ProductPage) -> list[str]:
    return [document["name"] for _, document in page.edges]


async def test_a_misspelt_word_finds_what_the_right_spelling_finds(module_reader: CatalogReader) -> None:
    assert names(await search(module_reader, "sfoa")) == names(await search(module_reader, "sofa")) == ["Harbor Sofa"]


async def test_a_plural_finds_the_singular(module_reader: CatalogReader) -> None:
    found = names(await search(module_reader, "chairs"))

    assert {"Oak Dining Chair", "Dining Chair in Oak", "Leather Office Chair"} <= set(found)


async def test_words_in_the_names_order_rank_above_the_same_words_elsewhere(module_reader: CatalogReader) -> None:
    found = names(await search(module_reader, "oak dining chair"))

    assert found[:2] == ["Oak Dining Chair", "Dining Chair in Oak"]


async def test_an_exact_sku_ranks_first_whatever_its_case(module_reader: CatalogReader) -> None:
    found = names(await search(module_reader, "chair-1"))

    assert found[0] == "Reading Lamp"


async def test_a_name_matches_above_a_description(module_reader: CatalogReader) -> None:
    found = names(await search(module_reader, "reading"))

    assert found == ["Reading Lamp"]
    assert names(await search(module_reader, "chair"))[-1] == "Reading Lamp"


async def test_accents_and_case_do_not_matter(module_reader: CatalogReader) -> None:
    assert names(await search(module_reader, "CREME brulee")) == ["Crème Brûlée Table"]
    assert names(await search(module_reader, "cafe")) == ["Crème Brûlée Table"]


async def test_an_attribute_value_is_searchable(module_reader: CatalogReader) -> None:
    assert names(await search(module_reader, "leather")) == ["Leather Office Chair"]


async def test_every_word_must_match_somewhere(module_reader: CatalogReader) -> None:
    assert names(await search(module_reader, "leather sofa")) == []


async def test_discontinued_products_are_found_only_when_asked_for(module_reader: CatalogReader) -> None:
    assert "Retired Sofa" not in names(await search(module_reader, "sofa"))
    assert "Retired Sofa" in names(await search(module_reader, "sofa", include_discontinued=True))


async def test_a_discontinued_product_stays_readable_by_id_and_sku(module_reader: CatalogReader) -> None:
    retired = CATALOG["retired"]

    by_id = await module_reader.product(retired["id"])
    by_sku = await module_reader.product_by_sku("SOFA-OLD")

    assert by_id == by_sku
    assert by_id is not None
    assert by_id["status"] == "DISCONTINUED"


async def test_a_product_reads_back_as_its_state_without_search_fields(module_reader: CatalogReader) -> None:
    state = CATALOG["office_chair"]

    document = await module_reader.product(state["id"])

    (variant,) = state["variants"]
    assert document == {
        **{key: value for key, value in state.items() if key not in {"attributes", "variants"}},
        "attributes": [{"name": "material", "value": "leather"}],
        "available": 5,
        "in_stock": True,
        "variants": [
            {
                **{key: value for key, value in variant.items() if key != "own_price"},
                "options": [],
                "available": 5,
                "in_stock": True,
            }
        ],
        "options": [],
        "price_range": {"min": state["price"], "max": state["price"]},
    }


async def test_stock_level_reads_by_sku(module_reader: CatalogReader) -> None:
    level = await module_reader.stock_level("SOFA-100")

    assert level == {"sku": "SOFA-100", "on_hand": 5, "reserved": 0, "available": 5}


async def test_unknown_keys_read_as_none(module_reader: CatalogReader) -> None:
    assert await module_reader.product("no-such-id") is None
    assert await module_reader.product("a/b?c#d") is None
    assert await module_reader.product("x" * 600) is None
    assert await module_reader.product_by_sku("NO-SUCH-SKU") is None
    assert await module_reader.stock_level("NO-SUCH-SKU") is None


@pytest.mark.parametrize(
    "query",
    [
        'foo AND (bar" OR *',
        "\\",
        "*",
        "name:sofa",
        "/[a-z]+/",
        '{"match_all": {}}',
        "sofa~5^100",
        "🛋️ sofa",
        "\x00",
        "sofa " * 2000,
        "x" * 10_000,
        "",
        "   ",
    ],
)
async def test_any_user_text_is_a_safe_search(module_reader: CatalogReader, query: str) -> None:
    page = await search(module_reader, query)

    assert page.total_count == len(page.edges) <= len(CATALOG)
