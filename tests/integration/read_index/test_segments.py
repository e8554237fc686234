"""A rebuilt index is merged in the background down to one segment per shard."""

from __future__ import annotations

import asyncio

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.indices import PRODUCTS, IndexLayout, create_fresh_index
from read_index.segments import start_merge

pytestmark = pytest.mark.elasticsearch

MERGE_WAIT_SECONDS = 60.0


async def segments_per_shard(client: AsyncElasticsearch, index: str) -> dict[str, int]:
    response = await client.indices.segments(index=index)
    shards = response["indices"][index]["shards"]
    return {number: sum(len(copy["segments"]) for copy in copies if copy["routing"]["primary"])
            for number, copies in shards.items()}  # fmt: skip


async def merged(client: AsyncElasticsearch, index: str) -> dict[str, int]:
    """The segments per shard once the background merge has finished (or the wait has run out)."""
    deadline = asyncio.get_running_loop().time() + MERGE_WAIT_SECONDS
    while True:
        await client.indices.refresh(index=index)
        counts = await segments_per_shard(client, index)
        if all(count == 1 for count in counts.values()) or asyncio.get_running_loop().time() > deadline:
            return counts
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("shards", [1, 2])
async def test_an_index_of_several_segments_is_merged_to_one_per_shard(
    es_client: AsyncElasticsearch, index_prefix: str, shards: int
) -> None:
    index = await create_fresh_index(es_client, index_prefix, PRODUCTS, IndexLayout(shards=shards))
    for batch in range(4):  # each refresh writes the batch's documents as new segments
        operations = [line for n in range(20) for line in ({"index": {"_id": f"{batch}-{n}"}}, {"id": f"{batch}-{n}"})]
        await es_client.bulk(index=index, operations=operations, refresh=True)
    before = await segments_per_shard(es_client, index)
    assert all(count > 1 for count in before.values()), before

    assert await start_merge(es_client, index) == 1

    assert await merged(es_client, index) == {str(shard): 1 for shard in range(shards)}
    assert (await es_client.count(index=index))["count"] == 80
