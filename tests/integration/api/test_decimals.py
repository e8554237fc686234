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
