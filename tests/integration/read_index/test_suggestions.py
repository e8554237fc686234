"""Search as you type over product names."""

from __future__ import annotations

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.errors import InvalidArgument
from read_index.queries import CatalogReader
from tests.integration.read_index.states import index_states, product_state

pytestmark = pytest.mark.elasticsearch

CATALOG = [
    product_state("Harbor Sofa", sku="SOFA-1"),
    product_state("Harbor Sofa Bed", sku="SOFA-2", status="DISCONTINUED"),
    product_state("Harbour Lamp", sku="LAMP-1"),
    product_state("Old Harbor Chair", sku="CHAIR-1"),
    product_state("Crème Harbor Table", sku="TABLE-1"),
]


@pytest.fixture(scope="module", autouse=True)
async def catalog(module_client: AsyncElasticsearch, module_prefix: str) -> None:
    await index_states(module_client, module_prefix, CATALOG)


async def suggested(reader: CatalogReader, prefix: str, first: int = 10) -> list[str]:
    return [suggestion["name"] for suggestion in await reader.suggest_products(prefix, first)]


async def test_suggestions_name_active_products_only(module_reader: CatalogReader) -> None:
    assert "Harbor Sofa Bed" not in await suggested(module_reader, "harbor sofa")
    assert await suggested(module_reader, "harbor sofa") == ["Harbor Sofa"]


async def test_a_partial_last_word_suggests_the_names_it_begins(module_reader: CatalogReader) -> None:
    assert await suggested(module_reader, "harbo") == [
        "Harbor Sofa",
        "Harbour Lamp",
        "Crème Harbor Table",
        "Old Harbor Chair",
    ]


async def test_names_that_begin_with_the_typed_text_come_first(module_reader: CatalogReader) -> None:
    found = await suggested(module_reader, "Harbor")

    assert found[0] == "Harbor Sofa"
    assert set(found[1:]) == {"Crème Harbor Table", "Old Harbor Chair"}


async def test_accents_in_the_typed_text_do_not_matter(module_reader: CatalogReader) -> None:
    assert await suggested(module_reader, "CREME har") == ["Crème Harbor Table"]


async def test_a_suggestion_carries_the_product_id_and_sku(module_reader: CatalogReader) -> None:
    [suggestion] = await module_reader.suggest_products("old h", 10)

    assert suggestion["product_id"] == CATALOG[3]["id"]
    assert suggestion["sku"] == "CHAIR-1"


async def test_first_limits_the_suggestions(module_reader: CatalogReader) -> None:
    assert len(await suggested(module_reader, "har", first=2)) == 2


async def test_text_without_words_suggests_nothing(module_reader: CatalogReader) -> None:
    assert await suggested(module_reader, " *?\\ ") == []


@pytest.mark.parametrize("first", [0, 101])
async def test_first_outside_one_to_a_hundred_is_refused(module_reader: CatalogReader, first: int) -> None:
    with pytest.raises(InvalidArgument):
        await module_reader.suggest_products("har", first)
