"""Products with variants: searched and counted as products, the variant conditions holding for one variant."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from domain.model.events import PRODUCT
from read_index.delivered_documents import delivered_document
from read_index.documents import product_document
from read_index.facet_terms import FacetValue
from read_index.indices import INITIAL_SUFFIX, PRODUCTS, alias_name, delete_indices, ensure_indices
from read_index.mappings import PRODUCT_MAPPING
from read_index.queries import CatalogReader, ProductPage
from read_index.search import AttributeFilter, ProductFilter, ProductSort, SearchRequest
from tests.integration.read_index.states import before_variants, index_states, product_state, variant
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

CATALOG = {
    # red in S, blue in M: red + M is no variant of it
    "shirt": product_state(
        "Linen shirt",
        id="p1-shirt",
        sku="SHIRT",
        slug="linen-shirt",
        category_path=["Clothing", "Shirts"],
        price="30.00",
        variants=[
            variant("SHIRT-RS", ("size", "S"), ("colour", "red")),
            variant("SHIRT-BM", ("size", "M"), ("colour", "blue")),
        ],
    ),
    # S available, M sold out
    "tee": product_state(
        "Cotton tee",
        id="p2-tee",
        sku="TEE",
        category_path=["Clothing", "Shirts"],
        price="50.00",
        variants=[
            variant("TEE-S", ("size", "S"), price="10.00"),
            variant("TEE-M", ("size", "M"), on_hand=2, reserved=2),
        ],
    ),
    "polo": product_state(
        "Pique polo",
        id="p3-polo",
        sku="POLO",
        category_path=["Clothing"],
        price="40.00",
        variants=[
            variant("POLO-S", ("size", "S")),
            variant("POLO-M", ("size", "M"), price="30.00", on_hand=1),
            variant("POLO-L", ("size", "L"), price="5.00", status="DISCONTINUED"),
        ],
    ),
    "lamp": product_state("Desk lamp", sku="LAMP-1", category_path=["Home"], price="20.00", on_hand=3, reserved=1),
    "legacy": before_variants(product_state("Old stool", sku="STOOL-1", category_path=["Home"], price="15.00")),
    "gone": product_state(
        "Retired scarf",
        sku="SCARF",
        status="DISCONTINUED",
        category_path=["Clothing"],
        variants=[variant("SCARF-RED", ("colour", "red"))],
    ),
}


@pytest.fixture(scope="module", autouse=True)
async def catalog(module_client: AsyncElasticsearch, module_prefix: str) -> None:
    await index_states(module_client, module_prefix, CATALOG.values())


async def search(reader: CatalogReader, sort: ProductSort = ProductSort.NEWEST, **filters: Any) -> ProductPage:
    return await reader.search_products(SearchRequest(filter=ProductFilter(**filters), sort=sort))


def skus(page: ProductPage) -> list[str]:
    return [document["sku"] for _, document in page.edges]


def options(**chosen: list[str]) -> list[AttributeFilter]:
    return [AttributeFilter(name, values) for name, values in chosen.items()]


def option_facet(page: ProductPage, name: str) -> list[FacetValue]:
    return next(facet.values for facet in page.facets.options if facet.name == name)


async def test_two_options_must_hold_for_the_same_variant(module_reader: CatalogReader) -> None:
    assert skus(await search(module_reader, options=options(colour=["red"], size=["M"]))) == []
    assert skus(await search(module_reader, options=options(colour=["red"], size=["S"]))) == ["SHIRT"]


async def test_an_option_and_a_price_range_must_hold_for_the_same_variant(module_reader: CatalogReader) -> None:
    found = await search(module_reader, options=options(size=["M"]), price_max=Decimal(20))

    assert skus(found) == []
    assert sorted(skus(await search(module_reader, options=options(size=["S"]), price_max=Decimal(20)))) == ["TEE"]


async def test_in_stock_with_an_option_asks_for_an_available_variant_of_that_option(
    module_reader: CatalogReader,
) -> None:
    assert sorted(skus(await search(module_reader, options=options(size=["M"]), in_stock=True))) == ["POLO", "SHIRT"]


async def test_out_of_stock_with_an_option_finds_a_product_whose_other_sizes_are_available(
    module_reader: CatalogReader,
) -> None:
    assert skus(await search(module_reader, options=options(size=["M"]), in_stock=False)) == ["TEE"]


async def test_a_size_counts_the_products_selecting_it_would_find_when_out_of_stock_is_selected(
    module_reader: CatalogReader,
) -> None:
    page = await search(module_reader, in_stock=False)

    assert skus(page) == []  # every active product has an available variant
    assert option_facet(page, "size") == [FacetValue("M", 1)]  # the tee's M
    assert skus(await search(module_reader, in_stock=False, options=options(size=["M"]))) == ["TEE"]


async def test_a_discontinued_variant_matches_no_option_and_no_price(module_reader: CatalogReader) -> None:
    assert skus(await search(module_reader, options=options(size=["L"]))) == []
    assert skus(await search(module_reader, price_max=Decimal(6))) == []


async def test_option_facets_count_products_not_variants(module_reader: CatalogReader) -> None:
    page = await search(module_reader)

    assert option_facet(page, "size") == [FacetValue("M", 3), FacetValue("S", 3)]
    assert option_facet(page, "colour") == [FacetValue("blue", 1), FacetValue("red", 1)]


async def test_an_option_facet_leaves_its_own_filter_out_and_applies_the_others_to_the_same_variant(
    module_reader: CatalogReader,
) -> None:
    page = await search(module_reader, options=options(colour=["red"], size=["S"]))

    assert option_facet(page, "size") == [FacetValue("S", 1)]  # the red variant is an S only
    assert option_facet(page, "colour") == [FacetValue("red", 1)]  # the S that is blue does not exist


async def test_a_price_bucket_counts_the_products_selecting_it_would_find(module_reader: CatalogReader) -> None:
    page = await search(module_reader, options=options(size=["M"]))
    counts = {(bucket.min, bucket.max): bucket.count for bucket in page.facets.price_ranges}

    assert counts[(Decimal(25), Decimal(50))] == 2  # the shirt's M at 30, the polo's M at 30
    assert counts[(Decimal(50), Decimal(100))] == 1  # the tee's M at 50
    assert counts[(None, Decimal(25))] == 0  # the tee's 10 is an S


async def test_price_sorts_by_the_lowest_price_among_the_variants_meeting_the_filter(
    module_reader: CatalogReader,
) -> None:
    clothing = {"category_path": ["Clothing"]}
    assert skus(await search(module_reader, ProductSort.PRICE_ASC, **clothing)) == ["TEE", "SHIRT", "POLO"]
    by_m = await search(module_reader, ProductSort.PRICE_ASC, options=options(size=["M"]), **clothing)
    assert skus(by_m) == ["SHIRT", "POLO", "TEE"]  # 30, 30 (then by id), 50
    assert skus(await search(module_reader, ProductSort.PRICE_DESC, **clothing)) == ["SHIRT", "POLO", "TEE"]


async def test_a_product_is_found_by_any_variants_sku(module_reader: CatalogReader) -> None:
    found = await module_reader.search_products(SearchRequest(query="tee-m"))

    assert skus(found)[0] == "TEE"
    assert (await module_reader.product_by_sku("POLO-L") or {}).get("sku") == "POLO"


async def test_a_product_reads_with_its_variants_options_and_price_range(module_reader: CatalogReader) -> None:
    polo = await module_reader.product(CATALOG["polo"]["id"])

    assert polo is not None
    assert polo["price"] == {"amount": "30.00", "currency": "EUR"}  # the lowest active price
    assert polo["price_range"] == {"min": polo["price"], "max": {"amount": "40.00", "currency": "EUR"}}
    assert polo["options"] == [{"name": "size", "values": ["S", "M"]}]
    assert [v["sku"] for v in polo["variants"]] == ["POLO-S", "POLO-M", "POLO-L"]
    assert polo["variants"][1]["options"] == [{"name": "size", "value": "M"}]
    assert (polo["on_hand"], polo["in_stock"]) == (11, True)


@pytest.mark.parametrize("name", sorted(CATALOG))
async def test_a_webhook_delivery_shows_a_product_as_reading_it_by_id_does(
    module_reader: CatalogReader, name: str
) -> None:
    state = CATALOG[name]

    assert delivered_document(PRODUCT, state) == await module_reader.product(state["id"])


async def test_a_product_is_found_by_its_current_slug(module_reader: CatalogReader) -> None:
    assert (await module_reader.product_by_slug("linen-shirt") or {}).get("sku") == "SHIRT"
    assert await module_reader.product_by_slug("no-such-shirt") is None


async def test_stock_level_of_a_variant_sku_is_the_variants_and_of_a_product_sku_the_sum(
    module_reader: CatalogReader,
) -> None:
    assert await module_reader.stock_level("TEE-M") == {"sku": "TEE-M", "on_hand": 2, "reserved": 2, "available": 0}
    assert await module_reader.stock_level("TEE") == {"sku": "TEE", "on_hand": 7, "reserved": 2, "available": 5}


async def test_a_snapshot_from_before_variants_reads_as_a_product_with_one_variant(
    module_reader: CatalogReader,
) -> None:
    stool = await module_reader.product(CATALOG["legacy"]["id"])

    assert stool is not None
    assert [(v["sku"], v["options"], v["available"]) for v in stool["variants"]] == [("STOOL-1", [], 5)]
    assert stool["images"] == []
    assert stool["slug"] == "old-stool"
    assert await module_reader.stock_level("STOOL-1") == {"sku": "STOOL-1", "on_hand": 5, "reserved": 0, "available": 5}


async def test_category_counts_equal_the_totals_of_searching_each_category(module_reader: CatalogReader) -> None:
    tree = await module_reader.categories([], 2)

    assert [(node["name"], node["product_count"]) for node in tree] == [("Clothing", 3), ("Home", 2)]
    nodes = [*tree, *(child for node in tree for child in node["children"])]
    assert [child["path"] for child in tree[0]["children"]] == [["Clothing", "Shirts"]]
    for node in nodes:
        page = await search(module_reader, category_path=node["path"])
        assert page.total_count == node["product_count"], node["path"]


async def test_categories_below_a_parent_to_a_depth(module_reader: CatalogReader) -> None:
    tree = await module_reader.categories(["Clothing"], 1)

    assert tree == [{"name": "Shirts", "path": ["Clothing", "Shirts"], "product_count": 2, "children": []}]


def test_the_product_level_twins_hold_only_the_active_variants() -> None:
    document = product_document(CATALOG["polo"])

    assert document["option_pairs"] == ["size\x1fM", "size\x1fS"]
    assert document["variant_prices"] == [30.0, 40.0]
    assert sorted(document["skus"]) == ["POLO", "POLO-L", "POLO-M", "POLO-S"]


VERSION_2_FIELDS = {"slug", "images", "skus", "variants", "option_pairs", "variant_prices", "price_range", "options"}


async def test_an_index_of_version_1_gets_the_new_fields_at_start_up_and_reads_in_the_current_shape(
    module_client: AsyncElasticsearch,
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    v1 = {
        **PRODUCT_MAPPING,
        "properties": {
            name: field for name, field in PRODUCT_MAPPING["properties"].items() if name not in VERSION_2_FIELDS
        },
    }
    old = before_variants(product_state("Old stool", sku="STOOL-1", price="15.00"))
    old_document = {key: value for key, value in product_document(old).items() if key not in VERSION_2_FIELDS}
    alias = alias_name(prefix, PRODUCTS)
    index = f"{alias}-v1-{INITIAL_SUFFIX}"
    try:
        await module_client.indices.create(index=index, mappings=v1, aliases={alias: {}})
        await module_client.index(index=alias, id=old["id"], document=old_document, refresh=True)

        await ensure_indices(module_client, prefix)
        await index_states(module_client, prefix, [CATALOG["polo"]])

        reader = catalog_reader(module_client, prefix)
        stool = await reader.product(old["id"])
        assert stool is not None
        assert [v["sku"] for v in stool["variants"]] == ["STOOL-1"]
        assert stool["price_range"] == {"min": old["price"], "max": old["price"]}
        assert skus(await search(reader, ProductSort.PRICE_ASC)) == ["STOOL-1", "POLO"]
        assert skus(await search(reader, options=options(size=["M"]))) == ["POLO"]
    finally:
        await delete_indices(module_client, prefix)
