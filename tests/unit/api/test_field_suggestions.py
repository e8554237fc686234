"""With introspection off, no error message names a part of the schema the request did not: graphql-core's
"Did you mean ...?" suggestions would hand out field, argument, type and enum value names one typo at a time."""

from __future__ import annotations

from typing import Any

import pytest

from api.schema.context import RequestContext
from api.schema.schema import ServedSchema
from api.settings import Settings
from tests.unit.api.fakes import FakeBackends

RESULT = "{ ok errors { code } }"

# A misspelt request, and the name graphql-core would suggest for it.
TYPOS: dict[str, tuple[str, dict[str, Any], str]] = {
    "field": ("{ serchProducts { totalCount } }", {}, "searchProducts"),
    "argument": ("{ searchProducts(frist: 2) { totalCount } }", {}, "first"),
    "variable type": ("query($f: ProductFiltr) { searchProducts(filter: $f) { totalCount } }", {}, "ProductFilter"),
    "fragment type": ("{ ... on Qery { __typename } }", {}, "Query"),
    "enum value literal": ("{ searchProducts(sort: PRICE_AS) { totalCount } }", {}, "PRICE_ASC"),
    "enum value variable": (
        "query($s: ProductSort) { searchProducts(sort: $s) { totalCount } }",
        {"s": "PRICE_AS"},
        "PRICE_ASC",
    ),
    "input field literal": ('{ searchProducts(filter: {brand: ["Acme"]}) { totalCount } }', {}, "brands"),
    "input field variable": (
        "query($f: ProductFilter) { searchProducts(filter: $f) { totalCount } }",
        {"f": {"brand": ["Acme"]}},
        "brands",
    ),
    "command input variable": (
        f"mutation($i: ReceiveStockInput!) {{ receiveStock(input: $i) {RESULT} }}",
        {"i": {"sku": "A-1", "quantity": 1, "idempotencyKy": "k-1"}},
        "idempotencyKey",
    ),
}


def schema(*, introspection: bool, fast_path: bool) -> ServedSchema:
    return ServedSchema(Settings.model_validate({"introspection": introspection, "fast_path": fast_path}))


async def messages(served: ServedSchema, query: str, variables: dict[str, Any]) -> list[str]:
    context = RequestContext(FakeBackends())  # type: ignore[arg-type]
    result = await served.execute(query, variables, context, None)
    return [error.message for error in result.errors or ()]


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "plain-path"])
def closed(request: pytest.FixtureRequest) -> ServedSchema:
    return schema(introspection=False, fast_path=request.param)


@pytest.mark.parametrize("typo", TYPOS)
async def test_no_refusal_suggests_a_name_when_introspection_is_off(closed: ServedSchema, typo: str) -> None:
    query, variables, suggestion = TYPOS[typo]
    refused = await messages(closed, query, variables)
    assert refused, "the request was not refused"
    assert not any("Did you mean" in message or f"'{suggestion}'" in message for message in refused), refused


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "plain-path"])
async def test_refusals_suggest_names_while_introspection_is_on(fast_path: bool) -> None:
    query, variables, suggestion = TYPOS["enum value variable"]
    refused = await messages(schema(introspection=True, fast_path=fast_path), query, variables)
    assert any(f"Did you mean the enum value '{suggestion}'" in message for message in refused), refused
