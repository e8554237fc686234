"""Variants, slugs and images over HTTP: the new mutations and inputs, their refusals with field paths, what they
write, and order lines that record the variant."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from domain.storage.aggregate_rows import product_snapshot
from domain.storage.repositories import variants_of
from domain.storage.tables import products
from tests.integration.api.conftest import Api, product_input

pytestmark = pytest.mark.elasticsearch

ORDER = """query($id: ID!, $token: String) { order(id: $id, consistencyToken: $token) {
  lines { sku productName variantName options { name value } unitPrice { amount } quantity } } }"""


def codes(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in result["errors"]]


def variant(sku: str, size: str, price: str | None = None) -> dict[str, Any]:
    return {
        "sku": sku,
        "options": [{"name": "size", "value": size}, {"name": "colour", "value": "sand"}],
        "price": None if price is None else {"amount": price, "currency": "EUR"},
    }


def shirt(sku: str = "SHIRT", **overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "Linen shirt",
        "price": {"amount": "49.00", "currency": "EUR"},
        "variants": [variant(f"{sku}-M", "M"), variant(f"{sku}-L", "L", "59.00")],
    }
    return product_input(sku, **(fields | overrides))


async def stored(api: Api, product_id: str) -> dict[str, Any]:
    """The product as the write model has it (its snapshot, read from its rows)."""
    async with api.services.engine.connect() as connection:
        row = (await connection.execute(select(products).where(products.c.id == product_id))).mappings().one()
        variants = await variants_of(connection, [product_id])
    return dict(product_snapshot(row, variants[product_id]))


async def test_a_product_created_with_variants_images_and_a_slug_stores_them(api: Api) -> None:
    images = [{"url": "https://img.example.com/shirt.jpg", "alt": "Front", "width": 800, "height": 600}]
    created = await api.command("createProduct", shirt(slug="linen-shirt", images=images))
    assert created["ok"], created
    product = await stored(api, created["aggregateId"])
    assert product["slug"] == "linen-shirt"
    assert product["images"] == [{"url": "https://img.example.com/shirt.jpg", "alt": "Front", "width": 800,
                                  "height": 600}]  # fmt: skip
    assert [(v["sku"], v["name"], v["price"]["amount"]) for v in product["variants"]] == [
        ("SHIRT-M", "Linen shirt / M / sand", "49.00"),
        ("SHIRT-L", "Linen shirt / L / sand", "59.00"),
    ]


async def test_a_product_without_a_slug_gets_its_names_with_a_suffix_when_taken(api: Api) -> None:
    first = await api.command("createProduct", product_input("A-1", name="Oak chair"))
    second = await api.command("createProduct", product_input("A-2", name="Oak Chair"))
    slugs = [(await stored(api, made["aggregateId"]))["slug"] for made in (first, second)]
    assert slugs == ["oak-chair", "oak-chair-2"]
    taken = await api.command("createProduct", product_input("A-3", slug="oak-chair"))
    assert codes(taken) == [("DUPLICATE", "slug")]
    renamed = await api.command("updateProductDetails", {"productId": second["aggregateId"], "slug": "oak-chair"})
    assert codes(renamed) == [("DUPLICATE", "slug")]


async def test_skus_collide_across_products_and_variants_naming_the_field_and_writing_nothing(api: Api) -> None:
    assert (await api.command("createProduct", shirt("A")))["ok"]
    before = await api.outbox_rows()
    refused = await api.command("createProduct", shirt("B", variants=[variant("B-M", "M"), variant("A-L", "L")]))
    assert codes(refused) == [("DUPLICATE", "variants.1.sku")]
    refused = await api.command("createProduct", product_input("A-M"))
    assert codes(refused) == [("DUPLICATE", "sku")]
    assert await api.outbox_rows() == before


async def test_variant_mutations_add_reprice_and_discontinue(api: Api) -> None:
    product_id = (await api.command("createProduct", shirt()))["aggregateId"]
    added = await api.command("addProductVariant", {"productId": product_id, "expectedVersion": 1,
                                                    "variant": variant("SHIRT-S", "S", "45.00")})  # fmt: skip
    assert (added["ok"], added["version"]) == (True, 2)
    repriced = await api.command(
        "changeProductPrice",
        {"productId": product_id, "sku": "SHIRT-M", "price": {"amount": "39.00", "currency": "EUR"}},
    )
    assert repriced["ok"], repriced
    discontinued = await api.command("discontinueProductVariant", {"productId": product_id, "sku": "SHIRT-L"})
    assert discontinued["version"] == 4
    product = await stored(api, product_id)
    assert [(v["sku"], v["price"]["amount"], v["status"]) for v in product["variants"]] == [
        ("SHIRT-M", "39.00", "ACTIVE"),
        ("SHIRT-L", "59.00", "DISCONTINUED"),
        ("SHIRT-S", "45.00", "ACTIVE"),
    ]


async def test_a_variants_price_absent_is_left_null_is_cleared(api: Api) -> None:
    product_id = (await api.command("createProduct", shirt()))["aggregateId"]
    options = [{"name": "colour", "value": "navy"}, {"name": "size", "value": "L"}]
    kept = await api.command("updateProductVariant", {"productId": product_id, "sku": "SHIRT-L", "options": options})
    assert kept["ok"], kept
    large = (await stored(api, product_id))["variants"][1]
    assert (large["options"], large["own_price"]) == ([["size", "L"], ["colour", "navy"]],
                                                      {"amount": "59.00", "currency": "EUR"})  # fmt: skip
    cleared = await api.command("updateProductVariant", {"productId": product_id, "sku": "SHIRT-L", "price": None})
    assert cleared["version"] == 3
    large = (await stored(api, product_id))["variants"][1]
    assert (large["own_price"], large["price"]["amount"]) == (None, "49.00")


@pytest.mark.parametrize(
    ("mutation", "input", "expected"),
    [
        ("addProductVariant", {"variant": variant("SHIRT-X", "M")}, [("DUPLICATE", "variant.options")]),
        ("addProductVariant", {"variant": {"sku": "SHIRT-X", "options": []}}, [("VALIDATION", "variant.options")]),
        ("updateProductVariant", {"sku": "SHIRT-L", "options": [{"name": "size", "value": "M"},
                                                               {"name": "colour", "value": "sand"}]},
         [("DUPLICATE", "options")]),
        ("updateProductVariant", {"sku": "NOPE", "price": None}, [("NOT_FOUND", "sku")]),
        ("updateProductVariant", {"sku": "SHIRT-L"}, [("VALIDATION", None)]),
        ("changeProductPrice", {"sku": "SHIRT", "price": {"amount": "1", "currency": "EUR"}}, [("VALIDATION", "sku")]),
        ("changeProductPrice", {"sku": "SHIRT-M", "price": {"amount": "1", "currency": "USD"}},
         [("VALIDATION", "price.currency")]),
        ("discontinueProductVariant", {"sku": "SHIRT-L", "expectedVersion": 7}, [("CONFLICT", "expectedVersion")]),
        ("updateProductDetails", {"images": [{"url": "http://img.example.com/a"}]}, [("VALIDATION", "images.0.url")]),
        ("updateProductDetails", {"slug": "Linen Shirt"}, [("VALIDATION", "slug")]),
    ],
)  # fmt: skip
async def test_variant_slug_and_image_inputs_are_refused_on_their_field(
    api: Api, mutation: str, input: dict[str, Any], expected: list[tuple[str, str | None]]
) -> None:
    product_id = (await api.command("createProduct", shirt()))["aggregateId"]
    before = await api.outbox_rows()
    result = await api.command(mutation, {"productId": product_id, **input})
    assert (result["ok"], codes(result)) == (False, expected)
    assert await api.outbox_rows() == before


async def test_the_last_active_variant_is_discontinued_with_the_product_not_alone(api: Api) -> None:
    product_id = (await api.command("createProduct", product_input("MUG-1")))["aggregateId"]
    refused = await api.command("discontinueProductVariant", {"productId": product_id, "sku": "MUG-1"})
    assert codes(refused) == [("INVALID_STATE", "sku")]
    assert "discontinue the product instead" in refused["errors"][0]["message"]


async def test_variant_mutations_need_the_catalog_write_scope(api: Api) -> None:
    product_id = (await api.command("createProduct", shirt()))["aggregateId"]
    stock_only = api.token("inventory:write")
    for mutation, input in (
        ("addProductVariant", {"variant": variant("SHIRT-S", "S")}),
        ("updateProductVariant", {"sku": "SHIRT-L", "price": None}),
        ("discontinueProductVariant", {"sku": "SHIRT-L"}),
    ):
        result = await api.command(mutation, {"productId": product_id, **input}, token=stock_only)
        assert codes(result) == [("FORBIDDEN", None)], mutation


async def test_stock_and_order_lines_take_a_variants_sku_and_lines_record_the_variant(api: Api) -> None:
    await api.command("createProduct", shirt())
    await api.command("createProduct", product_input("MUG-1", name="Mug", price={"amount": "8.00", "currency": "EUR"}))
    assert codes(await api.command("receiveStock", {"sku": "SHIRT", "quantity": 5})) == [("VALIDATION", "sku")]
    for sku in ("SHIRT-L", "MUG-1"):
        assert (await api.command("receiveStock", {"sku": sku, "quantity": 5}))["ok"]
    placed = await api.command(
        "placeOrder",
        {"customerId": "c-1", "lines": [{"sku": "SHIRT-L", "quantity": 2}, {"sku": "MUG-1", "quantity": 1}]},
    )
    assert placed["ok"], placed
    body = await api.graphql(ORDER, {"id": placed["aggregateId"], "token": placed["consistencyToken"]}, api.token())
    assert body["data"]["order"]["lines"] == [
        {"sku": "SHIRT-L", "productName": "Linen shirt", "variantName": "Linen shirt / L / sand",
         "options": [{"name": "size", "value": "L"}, {"name": "colour", "value": "sand"}],
         "unitPrice": {"amount": "59.00"}, "quantity": 2},
        {"sku": "MUG-1", "productName": "Mug", "variantName": "Mug", "options": [], "unitPrice": {"amount": "8.00"},
         "quantity": 1},
    ]  # fmt: skip
    sold_out = await api.command("placeOrder", {"customerId": "c-1", "lines": [{"sku": "SHIRT-L", "quantity": 4}]})
    assert codes(sold_out) == [("INSUFFICIENT_STOCK", "lines.0.quantity")]


async def test_a_products_stock_in_its_row_sums_its_variants(api: Api) -> None:
    product_id = (await api.command("createProduct", shirt()))["aggregateId"]
    await api.command("receiveStock", {"sku": "SHIRT-M", "quantity": 3})
    await api.command("receiveStock", {"sku": "SHIRT-L", "quantity": 4})
    async with api.services.engine.connect() as connection:
        row = (await connection.execute(select(products).where(products.c.id == product_id))).one()
    assert (row.on_hand, row.reserved) == (7, 0)
