"""Applying index operations: versioned, idempotent, and explicit about what failed and whether to retry."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.indices import alias_name, create_fresh_index, ensure_indices, refresh
from read_index.projections import IndexOp, project
from read_index.writer import apply
from tests.integration.read_index.states import product_state, record
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch


def versions_of(name: str, sku: str, versions: range) -> list[dict[str, Any]]:
    base = product_state(name, sku=sku)
    return [{**base, "name": f"{name} v{version}", "version": version} for version in versions]


async def test_re_applying_a_batch_changes_nothing(es_client: AsyncElasticsearch, index_prefix: str) -> None:
    await ensure_indices(es_client, index_prefix)
    ops = project([record("product", state) for state in versions_of("Lamp", "LAMP-1", range(1, 4))])

    first = await apply(es_client, index_prefix, ops)
    again = await apply(es_client, index_prefix, ops)

    assert (first.applied, first.stale, first.ok) == (1, 0, True)
    assert (again.applied, again.stale, again.ok) == (1, 1, True)
    stored = await catalog_reader(es_client, index_prefix).product(ops[0].doc_id)
    assert stored is not None
    assert (stored["name"], stored["version"]) == ("Lamp v3", 3)


async def test_an_older_version_does_not_replace_a_newer_one(es_client: AsyncElasticsearch, index_prefix: str) -> None:
    await ensure_indices(es_client, index_prefix)
    old, new = versions_of("Desk", "DESK-1", range(4, 6))

    await apply(es_client, index_prefix, project([record("product", new)]))
    report = await apply(es_client, index_prefix, project([record("product", old)]))

    assert (report.ok, report.stale) == (True, 1)
    stored = await catalog_reader(es_client, index_prefix).product(new["id"])
    assert stored is not None
    assert stored["version"] == 5


async def test_a_delete_removes_the_document_and_a_repeated_delete_is_fine(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    await ensure_indices(es_client, index_prefix)
    [state] = versions_of("Rug", "RUG-1", range(1, 2))
    await apply(es_client, index_prefix, project([record("product", state)]))
    delete = IndexOp("products", state["id"], 2, None)

    reports = [await apply(es_client, index_prefix, [delete]) for _ in range(2)]

    assert [report.ok for report in reports] == [True, True]
    assert await catalog_reader(es_client, index_prefix).product(state["id"]) is None


async def test_a_document_that_does_not_fit_the_mapping_fails_permanently(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    await ensure_indices(es_client, index_prefix)
    [state] = versions_of("Vase", "VASE-1", range(1, 2))
    [good] = project([record("product", state)])
    assert isinstance(good.document, dict)
    bad = IndexOp("products", "bad-1", 1, {**good.document, "colour": "red"})

    report = await apply(es_client, index_prefix, [bad, good])

    assert report.applied == 1
    [failure] = report.failures
    assert (failure.op, failure.status, failure.retryable) == (bad, 400, False)
    assert "strict_dynamic_mapping_exception" in failure.error


async def test_writing_before_the_indices_exist_fails_retryably_and_creates_nothing(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    ops = project([record("product", product_state("Bowl"))])

    report = await apply(es_client, index_prefix, ops)

    assert [(failure.status, failure.retryable) for failure in report.failures] == [(404, True)]
    assert not await es_client.indices.exists(index=alias_name(index_prefix, "products"))


async def test_a_rebuild_writes_into_the_indices_it_names(es_client: AsyncElasticsearch, index_prefix: str) -> None:
    await ensure_indices(es_client, index_prefix)
    fresh = await create_fresh_index(es_client, index_prefix, "products")
    ops = project([record("product", product_state("Cup"))])

    report = await apply(es_client, index_prefix, ops, indices={"products": fresh})
    await refresh(es_client, index_prefix)
    await es_client.indices.refresh(index=fresh)

    assert report.ok
    assert (await es_client.count(index=fresh))["count"] == 1
    assert (await es_client.count(index=alias_name(index_prefix, "products")))["count"] == 0


async def test_an_empty_batch_sends_nothing(es_client: AsyncElasticsearch) -> None:
    report = await apply(es_client, "no-such-prefix", [])

    assert (report.ok, report.applied) == (True, 0)


async def test_an_unreachable_cluster_fails_every_op_retryably() -> None:
    client = AsyncElasticsearch("http://127.0.0.1:9", request_timeout=2, max_retries=0)
    ops = project([record("product", product_state("Mug"))])
    try:
        report = await apply(client, "p", ops)
    finally:
        await client.close()

    assert [failure.retryable for failure in report.failures] == [True]
