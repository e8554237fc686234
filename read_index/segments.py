"""Merging a rebuilt index down to as few segments as Elasticsearch's merge policy keeps healthy.

A search does part of its work once per segment, and Elasticsearch's merge policy leaves an index bulk-loaded
with a million products at about 15 of them: the same search took 8.7 ms there and 7.3 ms once the index was one
segment (docs/performance.md, finding 33). A rebuild is the moment the whole index has just been written, so
`catalog reindex` asks for the merge as soon as its new index serves reads; Elasticsearch runs it as a task in
the background, and reads and writes go on meanwhile.

Elasticsearch discourages force merges on indices that keep being written because a segment larger than the
policy's largest merged segment (`index.merge.policy.max_merged_segment`, 5 GiB) takes no part in later merges
until most of it is deleted documents. So each shard is merged to as many segments as keeps every one of them
under that size: one below 5 GiB a shard, and the index goes on merging as usual afterwards.
"""

from __future__ import annotations

import math

from elasticsearch import AsyncElasticsearch

MAX_SEGMENT_BYTES = 5 * 2**30
"""Elasticsearch's default `index.merge.policy.max_merged_segment`."""


def segments_for(shard_bytes: int) -> int:
    """The fewest segments a shard of `shard_bytes` can be merged to with each at most `MAX_SEGMENT_BYTES`."""
    return max(1, math.ceil(shard_bytes / MAX_SEGMENT_BYTES))


async def start_merge(client: AsyncElasticsearch, index: str) -> int:
    """Starts merging `index` (a concrete index) in the background and returns the segments a shard is merged to.

    The request returns at once (`wait_for_completion=false`); the merge runs as a task of the node."""
    stats = await client.indices.stats(index=index, metric="store", level="shards")
    primaries = [
        copy["store"]["size_in_bytes"]
        for copies in stats["indices"][index]["shards"].values()
        for copy in copies
        if copy["routing"]["primary"]
    ]
    segments = segments_for(max(primaries, default=0))
    await client.indices.forcemerge(index=index, max_num_segments=segments, wait_for_completion=False)
    return segments
