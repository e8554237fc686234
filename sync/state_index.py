"""The index ``<prefix>-sync-state``: what the sync side tells the query side, which reads Elasticsearch only.

It holds one document per subscription with the position the worker has applied (`sync.applied_position`) and
one per unresolved dead letter (`sync.published_dead_letters`). The mapping grows by adding fields only, and
`ensure_state_index` puts it on an index created by an earlier version, so no rebuild is ever needed.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError

from read_index.indices import SINGLE_NODE, IndexLayout, apply_replicas

STATE_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "txid": {"type": "long"},
        "sequence": {"type": "long"},
        "token": {"type": "keyword"},
        "updated_at": {"type": "date"},
        "dead_letters": {"type": "long"},
        "dead_letter": {
            "properties": {
                "id": {"type": "long"},
                "subscription": {"type": "keyword"},
                "aggregate_type": {"type": "keyword"},
                "aggregate_id": {"type": "keyword"},
                "aggregate_version": {"type": "long"},
                "event_type": {"type": "keyword"},
            }
        },
    },
}


def state_index(prefix: str) -> str:
    return f"{prefix}-sync-state"


async def ensure_state_index(client: AsyncElasticsearch, prefix: str, layout: IndexLayout = SINGLE_NODE) -> bool:
    """Creates the index if missing, else adds the fields it lacks and gives it `layout`'s replicas; True if this
    call created it. Safe when processes race. One shard whatever the layout: it holds a few small documents."""
    index = state_index(prefix)
    if await client.indices.exists(index=index):
        await client.indices.put_mapping(index=index, properties=STATE_MAPPING["properties"])
        await apply_replicas(client, index, layout.replicas)
        return False
    try:
        await client.indices.create(
            index=index,
            settings={"number_of_shards": 1, "number_of_replicas": layout.replicas},
            mappings=STATE_MAPPING,
        )
    except BadRequestError as error:
        if error.error != "resource_already_exists_exception":
            raise
        return False
    return True
