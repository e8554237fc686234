"""Query limits: each refusal is an error the edge types as VALIDATION, before anything runs."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from graphql import DocumentNode

from api.schema.context import RequestContext
from api.schema.document_size import retained_bytes
from api.schema.schema import ServedSchema
from api.settings import Settings
from tests.unit.api.fakes import FakeBackends


async def run(served: ServedSchema, query: str, **variables: Any) -> list[str]:
    result = await served.execute(query, variables, RequestContext(FakeBackends()), None)  # type: ignore[arg-type]
    return [error.message for error in result.errors or ()]


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "plain-path"])
def served(request: pytest.FixtureRequest) -> ServedSchema:
    return ServedSchema(
        Settings.model_validate(
            {
                "max_query_depth": 5,
                "max_query_tokens": 200,
                "max_query_aliases": 3,
                "max_query_cost": 500,
                "fast_path": request.param,
            }
        )
    )


async def test_a_query_within_the_limits_runs(served: ServedSchema) -> None:
    assert await run(served, "{ searchProducts(first: 5) { totalCount edges { node { id name } } } }") == []


async def test_a_query_too_deep_is_refused() -> None:
    shallow = ServedSchema(Settings.model_validate({"max_query_depth": 3}))
    assert await run(shallow, "{ searchProducts { edges { node { id } } } }") == []
    errors = await run(shallow, "{ searchProducts { edges { node { price { amount } } } } }")
    assert any("exceeds maximum operation depth of 3" in message for message in errors)


async def test_a_document_with_too_many_tokens_is_refused(served: ServedSchema) -> None:
    huge = "{ " + " ".join(f"a{i}: __typename" for i in range(100)) + " }"
    errors = await run(served, huge)
    assert any("tokens" in message for message in errors)


async def test_too_many_aliases_are_refused(served: ServedSchema) -> None:
    errors = await run(served, '{ a: product(id: "1") { id } b: product(id: "2") { id } c: product(id: "3") { id }'
                               ' d: product(id: "4") { id } }')  # fmt: skip
    assert any("aliases" in message for message in errors)


async def test_a_query_that_could_return_too_much_is_refused(served: ServedSchema) -> None:
    errors = await run(served, "{ searchProducts(first: 100) { edges { node { id name sku brand } } } }")
    assert any("more than the limit" in message for message in errors)


async def test_page_sizes_in_variables_count_at_their_largest(served: ServedSchema) -> None:
    query = "query($n: Int) { searchProducts(first: $n) { edges { node { id name sku brand } } } }"
    assert any("more than the limit" in message for message in await run(served, query, n=1))
    with_default = "query($n: Int = 5) { searchProducts(first: $n) { edges { node { id name sku brand } } } }"
    assert await run(served, with_default) == []


async def test_fragment_cycles_and_unknown_fragments_are_refused_not_crashed(served: ServedSchema) -> None:
    assert await run(served, "{ ...Missing }")
    assert await run(served, "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }")


async def test_introspection_can_be_switched_off() -> None:
    closed = ServedSchema(Settings.model_validate({"introspection": False}))
    errors = await run(closed, "{ __schema { types { name } } }")
    assert any("introspection" in message.lower() for message in errors)
    opened = ServedSchema(Settings.model_validate({}))
    assert await run(opened, "{ __schema { queryType { name } } }") == []


async def test_checks_are_cached_by_query_text(served: ServedSchema) -> None:
    query = "{ searchProducts(first: 2) { totalCount } }"
    first = served.protection.check(served.graphql, query)
    assert served.protection.check(served.graphql, query) is first


CACHE_BYTES = 1 << 20


def distinct_large_query(number: int) -> str:
    """A valid query of about 100 tokens and 60 KB (a comment pads it), different for each `number`."""
    fields = " ".join("id name sku brand description" for _ in range(15))
    return f"query Q{number} {{ searchProducts(first: 1) {{ edges {{ node {{ {fields} }} }} }} }} #{'x' * 60_000}"


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "plain-path"])
async def test_many_distinct_large_queries_keep_the_caches_within_their_byte_bound(fast_path: bool) -> None:
    served = ServedSchema(Settings.model_validate({"query_cache_bytes": CACHE_BYTES, "fast_path": fast_path}))
    for number in range(40):
        assert await run(served, distinct_large_query(number)) == []
    gc.collect()
    alive = [
        document
        for document in gc.get_objects()
        if isinstance(document, DocumentNode) and document.loc and document.loc.source.body.startswith("query Q")
    ]
    caches = 1 if served.direct is None else 3  # checked documents; with the fast path also both plan caches
    assert 0 < sum(map(retained_bytes, alive)) <= caches * CACHE_BYTES, f"{len(alive)} of 40 documents kept"
    assert served.protection.checked.bytes <= CACHE_BYTES
