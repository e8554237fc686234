"""Decimal input over HTTP: every amount a client sends is read by one parser, and a zero price is plain zero."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import Api, product_input

pytestmark = pytest.mark.elasticsearch

PRICED_FROM = """query($min: Decimal, $t: String) {
  searchProducts(filter: {priceMin: $min}, consistencyToken: $t) { edges { node { sku price { amount } } } } }"""


@pytest.mark.parametrize("zero", ["-0", "-0.00", "0E-2"])
async def test_a_negative_zero_price_is_stored_as_zero_and_found_from_zero(api: Api, zero: str) -> None:
    created = await api.command("createProduct", product_input("FREE-1", price={"amount": zero, "currency": "EUR"}))
    assert created["ok"], created
    body = await api.graphql(PRICED_FROM, {"min": "0", "t": created["consistencyToken"]})
    assert body["data"]["searchProducts"]["edges"] == [{"node": {"sku": "FREE-1", "price": {"amount": "0.00"}}}]


OUT_OF_RANGE = ["1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "1e99999", "\u0661", "9" * 5000]


async def test_a_price_bound_out_of_range_is_a_validation_error_of_its_field(api: Api) -> None:
    query = """query($filter: ProductFilter) { searchProducts(filter: $filter) { totalCount } }"""
    for bound in ("priceMin", "priceMax"):
        for text in OUT_OF_RANGE:
            body = await api.graphql(query, {"filter": {bound: text}})
            assert body["data"] is None, (bound, text)
            assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": f"filter.{bound}"}, text


async def test_an_amount_out_of_range_is_a_validation_error_of_its_field(api: Api) -> None:
    product_id = (await api.command("createProduct", product_input()))["aggregateId"]
    for text in OUT_OF_RANGE:
        price = {"amount": text, "currency": "EUR"}
        refused = {
            "createProduct": await api.command("createProduct", product_input("OTHER-1", price=price)),
            "changeProductPrice": await api.command("changeProductPrice", {"productId": product_id, "price": price}),
            "payOrder": await api.command("payOrder", {"orderId": "no-such-order", "amount": price}),
        }
        for mutation, result in refused.items():
            assert not result["ok"], (mutation, text)
            field = "amount.amount" if mutation == "payOrder" else "price.amount"
            assert [(e["code"], e["field"]) for e in result["errors"]] == [("VALIDATION", field)], (mutation, text)
