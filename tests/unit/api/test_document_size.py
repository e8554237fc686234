"""The estimate the query caches are bounded by is at least what a checked document really keeps alive."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from api.schema.document_size import retained_bytes
from api.schema.schema import ServedSchema
from api.settings import Settings

FIELDS = "id name sku brand description categoryPath status version inStock createdAt updatedAt"
QUERIES = {
    "dense": "{ " + " ".join(f"a{n}: searchProducts(first: 1) {{ totalCount }}" for n in range(25)) + " }",
    "deep and wide": "{ searchProducts(first: 1) { edges { node { " + " ".join([FIELDS] * 20) + " } } } }",
    "commented": "{ searchProducts(first: 1) { totalCount } } #" + "x" * 30_000,
    "strings": "{ " + " ".join(f'p{n}: product(id: "{"y" * 900}") {{ id }}' for n in range(25)) + " }",
}


@pytest.mark.parametrize("shape", QUERIES)
def test_the_estimate_covers_what_a_checked_document_keeps(shape: str) -> None:
    served = ServedSchema(Settings.model_validate({}))
    served.protection.check(served.graphql, "{ __typename }")  # graphql-core's own first-use caches
    query = QUERIES[shape] + " "  # a text of its own, not one the interpreter already holds
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        checked = served.protection.check(served.graphql, query)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert checked.document is not None
    assert kept <= retained_bytes(checked.document), (kept, retained_bytes(checked.document))
