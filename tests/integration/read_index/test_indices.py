"""Index lifecycle: aliases over versioned indices, created once however many processes race."""

from __future__ import annotations

import asyncio
import random

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.documents import category_key
from read_index.indices import (
    MAPPING_VERSION,
    READ_MODELS,
    IndexLayout,
    alias_name,
    create_fresh_index,
    current_index,
    delete_indices,
    ensure_indices,
    outdated_models,
    swap_alias,
)
from read_index.projections import project
from read_index.writer import apply
from tests.integration.read_index.states import product_state, record
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch


async def test_racing_processes_create_each_alias_once(es_client: AsyncElasticsearch, index_prefix: str) -> None:
    await asyncio.gather(*(ensure_indices(es_client, index_prefix) for _ in range(6)))
    await ensure_indices(es_client, index_prefix)

    for model in READ_MODELS:
        aliases = await es_client.indices.get_alias(name=alias_name(index_prefix, model))
        assert list(aliases.body) == [f"{index_prefix}-{model}-v{MAPPING_VERSION}-initial"]


async def test_a_swap_moves_readers_to_the_new_index_and_returns_the_old(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    await ensure_indices(es_client, index_prefix)
    old = await current_index(es_client, index_prefix, "products")
    fresh = await create_fresh_index(es_client, index_prefix, "products")
    state = product_state("Stool")
    await apply(es_client, index_prefix, project([record("product", state)]), indices={"products": fresh})

    replaced = await swap_alias(es_client, index_prefix, "products", fresh)

    assert replaced == old
    assert await current_index(es_client, index_prefix, "products") == fresh
    assert await catalog_reader(es_client, index_prefix).product(state["id"]) is not None
    assert await swap_alias(es_client, index_prefix, "products", fresh) is None


async def test_an_alias_over_an_older_mapping_version_needs_a_rebuild(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    await ensure_indices(es_client, index_prefix)
    older = f"{index_prefix}-orders-v0-initial"
    await es_client.indices.create(index=older)

    assert await outdated_models(es_client, index_prefix) == []
    await swap_alias(es_client, index_prefix, "orders", older)
    assert await outdated_models(es_client, index_prefix) == ["orders"]


async def test_delete_indices_removes_every_index_of_the_prefix_only(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    neighbour = f"{index_prefix}x"
    await ensure_indices(es_client, index_prefix)
    await ensure_indices(es_client, neighbour)
    await create_fresh_index(es_client, index_prefix, "orders")
    try:
        await delete_indices(es_client, index_prefix)

        assert [await current_index(es_client, index_prefix, model) for model in READ_MODELS] == [None] * len(
            READ_MODELS
        )
        assert not (await es_client.indices.resolve_index(name=f"{index_prefix}-*"))["indices"]
        assert await current_index(es_client, neighbour, "products") is not None
    finally:
        await delete_indices(es_client, neighbour)


@pytest.mark.parametrize("prefix", ["", "UPPER", "-dash", "a b", "a/b", "a*"])
def test_an_unusable_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        alias_name(prefix, "products")


async def test_new_indices_take_the_layouts_number_of_shards(es_client: AsyncElasticsearch, index_prefix: str) -> None:
    await ensure_indices(es_client, index_prefix, IndexLayout(shards=2))
    fresh = await create_fresh_index(es_client, index_prefix, "orders", IndexLayout(shards=3))

    found = await es_client.indices.get_settings(index=f"{index_prefix}-*", name="index.number_of_shards")
    shards = {name: int(entry["settings"]["index"]["number_of_shards"]) for name, entry in found.body.items()}
    initial = {f"{index_prefix}-{model}-v{MAPPING_VERSION}-initial": 2 for model in READ_MODELS}
    assert shards == {**initial, fresh: 3}


@pytest.mark.parametrize("fresh", [False, True], ids=["initial", "rebuilt"])
async def test_products_are_stored_by_category_path_then_brand(
    es_client: AsyncElasticsearch, index_prefix: str, fresh: bool
) -> None:
    await ensure_indices(es_client, index_prefix)
    index = await create_fresh_index(es_client, index_prefix, "products") if fresh else None
    rng = random.Random(7)
    paths = [(), ("Home",), ("Home", "Lamps"), ("Home", "Rugs"), ("Garden",), ("Garden", "Tools", "Spades")]
    states = [
        product_state(
            f"Thing {i}", brand=rng.choice([None, "Acme", "Bluebird", "Zephyr"]), category_path=rng.choice(paths)
        )
        for i in range(60)
    ]
    rng.shuffle(states)
    target = index or alias_name(index_prefix, "products")
    for start in range(0, len(states), 20):  # several segments, merged below into one that keeps the sort
        records = [record("product", state) for state in states[start : start + 20]]
        await apply(es_client, index_prefix, project(records), indices={"products": index} if index else None)
        await es_client.indices.refresh(index=target)
    await es_client.indices.forcemerge(index=target, max_num_segments=1)

    stored = await es_client.search(
        index=target, sort=["_doc"], size=len(states), source_includes=["category_path", "brand", "id"]
    )

    def key(source: dict[str, object]) -> tuple[tuple[int, str], tuple[int, str]]:
        path = category_key(source["category_path"])  # type: ignore[arg-type]
        brand = source.get("brand")
        # missing values sort last, as Elasticsearch's index sort puts them
        return ((1, "") if not path else (0, path)), ((1, "") if brand is None else (0, str(brand)))

    order = [key(hit["_source"]) for hit in stored["hits"]["hits"]]
    assert len(order) == len(states)
    assert order == sorted(order)
