"""The fast path against the libraries' own paths: every operation of the contract, and generated requests,
sent to a `catalog serve` with the fast path and to one without, give the same status and the same bytes.

The number of generated requests is `CATALOG_DIFFERENTIAL_EXAMPLES` (default 500); they are derandomized, so a
run is repeatable and a larger number reaches further.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from api.schema.schema import ServedSchema
from api.settings import Settings
from tests.integration.api.fast_path_differential.conftest import WEBHOOK_URL, Pair, Seeded
from tests.integration.api.fast_path_differential.documents import requests

pytestmark = [pytest.mark.e2e, pytest.mark.elasticsearch]

EXAMPLES = int(os.environ.get("CATALOG_DIFFERENTIAL_EXAMPLES", "500"))
SCHEMA = ServedSchema(Settings.model_validate({})).graphql
RESULT = "{ ok aggregateId version consistencyToken errors { code field message } __typename }"
BULK_RESULT = "{ ok written consistencyToken rows { index ok aggregateId version errors { code field message } } }"
PRODUCT = """id sku name description brand categoryPath price { amount currency } attributes { name value }
  status stock { sku onHand reserved available } inStock version createdAt updatedAt"""
ORDER = """id customerId status total { amount currency } placedAt updatedAt version
  lines { sku productId productName variantName options { name value } quantity unitPrice { amount currency }
    lineTotal { amount } }"""
SEARCH = f"""query($q: String, $f: ProductFilter, $s: ProductSort, $n: Int, $a: String) {{
  searchProducts(query: $q, filter: $f, sort: $s, first: $n, after: $a) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {PRODUCT} }} }}
    facets {{ categories {{ value count }} brands {{ value count }} priceRanges {{ min max count }}
      attributes {{ name values {{ value count }} }} }} }} }}"""

Case = Callable[[Seeded], tuple[str, dict[str, Any], str]]  # seed -> (query, variables, token)

QUERIES: dict[str, Case] = {
    "product": lambda s: (
        f"query($id: ID!) {{ product(id: $id) {{ {PRODUCT} }} }}",
        {"id": s.products["P-1"]},
        "staff",
    ),
    "product-missing": lambda s: ('{ product(id: "nope") { id } }', {}, "none"),
    "product-bad-token": lambda s: ('{ product(id: "x", consistencyToken: "garbage") { id } }', {}, "none"),
    "product-with-token": lambda s: (
        "query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id version } }",
        {"id": s.products["P-2"], "t": s.token},
        "none",
    ),
    "productBySku": lambda s: (f'{{ productBySku(sku: "P-3") {{ {PRODUCT} }} }}', {}, "none"),
    "stockLevel": lambda s: ('{ stockLevel(sku: "P-4") { sku onHand reserved available } }', {}, "none"),
    "searchProducts": lambda s: (SEARCH, {"q": "lamp", "n": 3}, "none"),
    "searchProducts-filtered": lambda s: (
        SEARCH,
        {"f": {"brands": ["Acme"], "categoryPath": ["Home"], "priceMin": "10", "inStock": True}, "s": "PRICE_DESC"},
        "none",
    ),
    "searchProducts-second-page": lambda s: (SEARCH, {"n": 2, "s": "NEWEST", "a": None}, "none"),
    "searchProducts-bad-cursor": lambda s: (SEARCH, {"a": "garbage"}, "none"),
    "searchProducts-bad-page": lambda s: (SEARCH, {"n": 1000}, "none"),
    "searchProducts-bad-price": lambda s: (SEARCH, {"f": {"priceMin": "abc"}}, "none"),
    "suggestProducts": lambda s: ('{ suggestProducts(prefix: "wal", first: 3) { productId sku name } }', {}, "none"),
    "order": lambda s: (f"query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}", {"id": s.orders["to-ship"]}, "staff"),
    "order-of-another-customer": lambda s: (
        "query($id: ID!) { order(id: $id) { id } }",
        {"id": s.orders["unpaid"]},
        "customer",
    ),
    "order-unauthenticated": lambda s: (
        "query($id: ID!) { order(id: $id) { id } }",
        {"id": s.orders["unpaid"]},
        "none",
    ),
    "orders": lambda s: (
        f'{{ orders(customerId: "c-1", first: 2) {{ totalCount edges {{ cursor node {{ {ORDER} }} }} '
        "pageInfo { hasNextPage endCursor } } }",
        {},
        "staff",
    ),
    "orders-of-the-customer": lambda s: (
        "{ orders(status: PLACED) { totalCount edges { node { id status } } } }",
        {},
        "customer",
    ),
    "webhooks": lambda s: ("{ webhooks { id url events active createdAt } }", {}, "manager"),
    "webhooks-forbidden": lambda s: ("{ webhooks { id } }", {}, "staff"),
    "introspection": lambda s: ("{ __schema { queryType { name } types { name kind } } }", {}, "none"),
    "typename": lambda s: ("{ __typename }", {}, "none"),
    "parse-error": lambda s: ("{ product(id: ", {}, "none"),
    "validation-errors": lambda s: ('{ product { nope } searchProducts(first: "x") { totalCount } }', {}, "none"),
    "too-many-aliases": lambda s: ("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", {}, "none"),
    "too-costly": lambda s: (f"{{ searchProducts(first: 100) {{ edges {{ node {{ {PRODUCT} }} }} }} }}", {}, "none"),
    "missing-variable": lambda s: ("query($id: ID!) { product(id: $id) { id } }", {}, "none"),
    "two-operations-no-name": lambda s: ("query A { __typename } query B { __typename }", {}, "none"),
    "subscription": lambda s: ("subscription { product }", {}, "none"),
}

MUTATIONS: dict[str, Case] = {
    "registerWebhook": lambda s: (
        f"mutation($i: RegisterWebhookInput!) {{ registerWebhook(input: $i) {RESULT} }}",
        {"i": {"url": WEBHOOK_URL, "events": ["ORDER_PAID", "STOCK_CHANGED"], "secret": "a-secret-of-some-length"}},
        "manager",
    ),
    "registerWebhook-refused": lambda s: (
        f"mutation($i: RegisterWebhookInput!) {{ registerWebhook(input: $i) {RESULT} }}",
        {"i": {"url": "http://127.0.0.1:8080/", "events": [], "secret": "short"}},
        "manager",
    ),
    "removeWebhook": lambda s: (
        f"mutation($i: RemoveWebhookInput!) {{ removeWebhook(input: $i) {RESULT} }}",
        {"i": {"webhookId": s.webhook}},
        "manager",
    ),
    "removeWebhook-unknown": lambda s: (
        f"mutation($i: RemoveWebhookInput!) {{ removeWebhook(input: $i) {RESULT} }}",
        {"i": {"webhookId": "nope"}},
        "manager",
    ),
    "createProduct": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {
            "i": {
                "sku": "NEW-1",
                "name": "New lamp",
                "brand": "Acme",
                "categoryPath": ["Home"],
                "price": {"amount": "12.00", "currency": "EUR"},
                "attributes": [{"name": "color", "value": "red"}],
            }
        },
        "staff",
    ),
    "createProduct-invalid": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {"i": {"sku": "", "name": "x", "price": {"amount": "-1", "currency": "EURO"}}},
        "staff",
    ),
    "createProduct-duplicate-sku": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {"i": {"sku": "P-1", "name": "Again", "price": {"amount": "1.00", "currency": "EUR"}}},
        "staff",
    ),
    "createProduct-literal": lambda s: (
        'mutation { made: createProduct(input: {sku: "NEW-2", name: "Lit", price: {amount: "2", currency: "EUR"}}) '
        f"{RESULT} }}",
        {},
        "staff",
    ),
    "createProduct-unauthenticated": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {"i": {"sku": "NEW-3", "name": "x", "price": {"amount": "1", "currency": "EUR"}}},
        "none",
    ),
    "createProduct-missing-variable": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {},
        "staff",
    ),
    "createProduct-with-variants": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {
            "i": {
                "sku": "NEW-V",
                "name": "New lamp",
                "price": {"amount": "12.00", "currency": "EUR"},
                "variants": [
                    {"sku": "NEW-V-1", "options": [{"name": "colour", "value": "brass"}]},
                    {
                        "sku": "NEW-V-2",
                        "options": [{"name": "colour", "value": "black"}],
                        "price": {"amount": "14", "currency": "EUR"},
                    },
                ],
                "images": [{"url": "https://img.example.com/lamp.jpg", "alt": "Lamp", "width": 10}],
            }
        },
        "staff",
    ),
    "createProduct-variant-sku-taken": lambda s: (
        f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}",
        {
            "i": {
                "sku": "NEW-W",
                "name": "x",
                "slug": "m-variants",
                "price": {"amount": "1", "currency": "EUR"},
                "variants": [{"sku": "P-1", "options": []}],
            }
        },
        "staff",
    ),
    "addProductVariant": lambda s: (
        f"mutation($i: AddProductVariantInput!) {{ addProductVariant(input: $i) {RESULT} }}",
        {
            "i": {
                "productId": s.products["M-VARIANTS"],
                "variant": {
                    "sku": "M-VARIANTS-XL",
                    "options": [{"name": "size", "value": "XL"}],
                    "price": {"amount": "3.50", "currency": "EUR"},
                },
            }
        },
        "staff",
    ),
    "addProductVariant-same-options": lambda s: (
        f"mutation($i: AddProductVariantInput!) {{ addProductVariant(input: $i) {RESULT} }}",
        {
            "i": {
                "productId": s.products["M-VARIANTS"],
                "variant": {"sku": "M-VARIANTS-S2", "options": [{"name": "size", "value": "S"}]},
            }
        },
        "staff",
    ),
    "updateProductVariant-price-absent": lambda s: (
        f"mutation($i: UpdateProductVariantInput!) {{ updateProductVariant(input: $i) {RESULT} }}",
        {
            "i": {
                "productId": s.products["M-VARIANTS"],
                "sku": "M-VARIANTS-XL",
                "options": [{"name": "size", "value": "XXL"}],
            }
        },
        "staff",
    ),
    "updateProductVariant": lambda s: (
        f"mutation($i: UpdateProductVariantInput!) {{ updateProductVariant(input: $i) {RESULT} }}",
        {"i": {"productId": s.products["M-VARIANTS"], "sku": "M-VARIANTS-XL", "price": None}},
        "staff",
    ),
    "changeProductPrice-variant": lambda s: (
        f"mutation($i: ChangeProductPriceInput!) {{ changeProductPrice(input: $i) {RESULT} }}",
        {
            "i": {
                "productId": s.products["M-VARIANTS"],
                "sku": "M-VARIANTS-M",
                "price": {"amount": "4.00", "currency": "EUR"},
            }
        },
        "staff",
    ),
    "discontinueProductVariant": lambda s: (
        f"mutation($i: DiscontinueProductVariantInput!) {{ discontinueProductVariant(input: $i) {RESULT} }}",
        {"i": {"productId": s.products["M-VARIANTS"], "sku": "M-VARIANTS-S"}},
        "staff",
    ),
    "discontinueProductVariant-unknown": lambda s: (
        f"mutation($i: DiscontinueProductVariantInput!) {{ discontinueProductVariant(input: $i) {RESULT} }}",
        {"i": {"productId": s.products["M-VARIANTS"], "sku": "NOPE"}},
        "staff",
    ),
    "updateProductDetails": lambda s: (
        f"mutation($i: UpdateProductDetailsInput!) {{ updateProductDetails(input: $i) {RESULT} }}",
        {
            "i": {
                "productId": s.products["M-UPDATE"],
                "expectedVersion": s.versions["M-UPDATE"],
                "name": "Renamed",
                "attributes": [],
                "brand": None,
            }
        },
        "staff",
    ),
    "changeProductPrice-stale": lambda s: (
        f"mutation($i: ChangeProductPriceInput!) {{ changeProductPrice(input: $i) {RESULT} }}",
        {
            "i": {
                "productId": s.products["M-PRICE"],
                "expectedVersion": 99,
                "price": {"amount": "3.00", "currency": "EUR"},
            }
        },
        "staff",
    ),
    "changeProductPrice": lambda s: (
        f"mutation($i: ChangeProductPriceInput!) {{ changeProductPrice(input: $i) {RESULT} }}",
        {"i": {"productId": s.products["M-PRICE"], "price": {"amount": "3.00", "currency": "EUR"}}},
        "staff",
    ),
    "discontinueProduct": lambda s: (
        f"mutation($i: DiscontinueProductInput!) {{ discontinueProduct(input: $i) {RESULT} }}",
        {"i": {"productId": s.products["M-DISCONTINUE"]}},
        "staff",
    ),
    "receiveStock": lambda s: (
        f"mutation($i: ReceiveStockInput!) {{ receiveStock(input: $i) {RESULT} }}",
        {"i": {"sku": "M-RECEIVE", "quantity": 3}},
        "staff",
    ),
    "receiveStock-not-positive": lambda s: (
        f"mutation($i: ReceiveStockInput!) {{ receiveStock(input: $i) {RESULT} }}",
        {"i": {"sku": "M-RECEIVE", "quantity": 0}},
        "staff",
    ),
    "bulkCreateProducts": lambda s: (
        f"mutation($i: [CreateProductInput!]!) {{ bulkCreateProducts(inputs: $i) {BULK_RESULT} }}",
        {
            "i": [
                {"sku": "BULK-1", "name": "Bulk lamp", "price": {"amount": "4.00", "currency": "EUR"}},
                {"sku": "bad sku", "name": "", "price": {"amount": "-1", "currency": "EUR"}},
            ]
        },
        "staff",
    ),
    "bulkReceiveStock-reject-everything": lambda s: (
        f"mutation($i: [ReceiveStockInput!]!) {{ bulkReceiveStock(inputs: $i, errorPolicy: REJECT_EVERYTHING) "
        f"{BULK_RESULT} }}",
        {"i": [{"sku": "M-RECEIVE", "quantity": 2}, {"sku": "NO-SUCH", "quantity": 1}]},
        "staff",
    ),
    "bulkChangeProductPrices": lambda s: (
        f"mutation($i: [ChangeProductPriceInput!]!) {{ bulkChangeProductPrices(inputs: $i) {BULK_RESULT} }}",
        {"i": [{"productId": s.products["M-PRICE"], "price": {"amount": "3.50", "currency": "EUR"}}]},
        "staff",
    ),
    "adjustStock-below-zero": lambda s: (
        f"mutation($i: AdjustStockInput!) {{ adjustStock(input: $i) {RESULT} }}",
        {"i": {"sku": "M-ADJUST", "delta": -50, "reason": "count"}},
        "staff",
    ),
    "adjustStock": lambda s: (
        f"mutation($i: AdjustStockInput!) {{ adjustStock(input: $i) {RESULT} }}",
        {"i": {"sku": "M-ADJUST", "delta": -2, "reason": "count"}},
        "staff",
    ),
    "placeOrder": lambda s: (
        f"mutation($i: PlaceOrderInput!) {{ placeOrder(input: $i) {RESULT} }}",
        {"i": {"customerId": "c-1", "lines": [{"sku": "M-ORDER", "quantity": 2}], "idempotencyKey": "cart-1"}},
        "customer",
    ),
    "placeOrder-insufficient-stock": lambda s: (
        f"mutation($i: PlaceOrderInput!) {{ placeOrder(input: $i) {RESULT} }}",
        {"i": {"customerId": "c-1", "lines": [{"sku": "M-ORDER", "quantity": 99}, {"sku": "NO-SUCH", "quantity": 1}]}},
        "staff",
    ),
    "payOrder-wrong-amount": lambda s: (
        f"mutation($i: PayOrderInput!) {{ payOrder(input: $i) {RESULT} }}",
        {"i": {"orderId": s.orders["to-pay"], "amount": {"amount": "1.00", "currency": "EUR"}}},
        "staff",
    ),
    "payOrder": lambda s: (
        f"mutation($i: PayOrderInput!) {{ payOrder(input: $i) {RESULT} }}",
        {"i": {"orderId": s.orders["to-pay"], "amount": {"amount": "10.50", "currency": "EUR"}}},
        "staff",
    ),
    "shipOrder-unpaid": lambda s: (
        f"mutation($i: ShipOrderInput!) {{ shipOrder(input: $i) {RESULT} }}",
        {"i": {"orderId": s.orders["unpaid"]}},
        "staff",
    ),
    "shipOrder": lambda s: (
        f"mutation($i: ShipOrderInput!) {{ shipOrder(input: $i) {RESULT} }}",
        {"i": {"orderId": s.orders["to-ship"]}},
        "staff",
    ),
    "cancelOrder": lambda s: (
        f"mutation($i: CancelOrderInput!) {{ cancelOrder(input: $i) {RESULT} }}",
        {"i": {"orderId": s.orders["to-cancel"], "reason": "no longer needed"}},
        "staff",
    ),
    "cancelOrder-of-another-customer": lambda s: (
        f"mutation($i: CancelOrderInput!) {{ cancelOrder(input: $i) {RESULT} }}",
        {"i": {"orderId": s.orders["unpaid"]}},
        "customer",
    ),
}

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _new_ids_named(body: bytes, seeded: Seeded) -> bytes:
    """The body with the ids the command drew at random (uuid4: a new product's or order's) named by order of
    appearance, so that the two sides compare byte for byte; ids of the seed stay as they are."""
    known = {id.encode() for id in seeded.ids()}
    names: dict[bytes, bytes] = {}

    def name(match: re.Match[bytes]) -> bytes:
        found = match.group(0)
        if found in known:
            return found
        return names.setdefault(found, b"new-id-%d" % len(names))

    return UUID.sub(name, body)


def _errors_in_any_order(answer: tuple[int, bytes]) -> tuple[int, Any]:
    """The answer with its errors in a fixed order. Root fields of a query run concurrently and graphql-core lists
    their errors as they happen, so two failing fields (two `order` reads a customer token may not make) list
    theirs in the order their Elasticsearch reads came back, on either path: the same answer."""
    status, body = answer
    try:
        parsed = json.loads(body)
    except ValueError:
        return status, body
    if isinstance(parsed, dict) and isinstance(parsed.get("errors"), list):
        parsed["errors"] = sorted(parsed["errors"], key=lambda error: json.dumps(error, sort_keys=True))
    return status, parsed


def test_the_cases_cover_every_root_field_of_the_served_schema() -> None:
    assert SCHEMA.query_type is not None
    assert SCHEMA.mutation_type is not None
    assert set(SCHEMA.query_type.fields) <= {name.split("-")[0] for name in QUERIES}
    assert set(SCHEMA.mutation_type.fields) <= {name.split("-")[0] for name in MUTATIONS}


@pytest.mark.parametrize("case", sorted(QUERIES))
def test_every_query_answers_alike(pair: Pair, case: str) -> None:
    query, variables, token = QUERIES[case](pair.seeded)
    fast, plain = pair.post({"query": query, "variables": variables}, token)
    assert fast == plain


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_every_command_answers_alike_on_the_same_state(pair: Pair, case: str) -> None:
    """Each case acts on aggregates of its own, and both servers have run the same cases before it."""
    query, variables, token = MUTATIONS[case](pair.seeded)
    (fast_status, fast_body), (plain_status, plain_body) = pair.post({"query": query, "variables": variables}, token)
    assert fast_status == plain_status
    assert _new_ids_named(fast_body, pair.seeded) == _new_ids_named(plain_body, pair.seeded)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"query": 1}',
        b'{"query": "{ __typename }", "variables": []}',
        b'{"query": "{ __typename }", "operationName": 7}',
        b'{"query": "{ __typename }", "operationName": "Nope"}',
        b'{"query": "' + b"x" * (1 << 20) + b'"}',
    ],
    ids=[
        "not-json",
        "not-an-object",
        "query-not-a-string",
        "variables-not-an-object",
        "operation-name-not-a-string",
        "unknown-operation",
        "oversized",
    ],
)
def test_malformed_requests_answer_alike(pair: Pair, body: bytes) -> None:
    fast, plain = pair.post(body)
    assert fast == plain


def test_generated_requests_answer_alike(pair: Pair) -> None:
    compared = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(SCHEMA, pair.seeded))
    def answer_alike(request: tuple[dict[str, Any], str]) -> None:
        body, token = request
        fast, plain = pair.post(body, token)
        assert fast == plain or _errors_in_any_order(fast) == _errors_in_any_order(plain), body
        compared.append(fast[0])

    answer_alike()
    assert len(compared) >= EXAMPLES
    assert 200 in compared  # executed operations
    assert 400 in compared  # and refused ones
