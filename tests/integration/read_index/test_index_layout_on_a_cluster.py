"""On a cluster, every index the service creates has the layout's replicas, each on another node than its
primary, and an index created before gets them when the service starts with the new layout."""

from __future__ import annotations

import pytest
from elasticsearch import AsyncElasticsearch

from read_index.indices import READ_MODELS, IndexLayout, alias_name, ensure_indices

pytestmark = pytest.mark.cluster


async def replicas(client: AsyncElasticsearch, prefix: str) -> dict[str, int]:
    found = await client.indices.get_settings(index=f"{prefix}-*", name="index.number_of_replicas")
    return {name: int(entry["settings"]["index"]["number_of_replicas"]) for name, entry in found.body.items()}


async def test_every_shard_has_its_replica_on_another_node_than_its_primary(
    cluster_client: AsyncElasticsearch, cluster_prefix: str
) -> None:
    await ensure_indices(cluster_client, cluster_prefix, IndexLayout(shards=2, replicas=1))
    aliases = ",".join(alias_name(cluster_prefix, model) for model in READ_MODELS)
    await cluster_client.cluster.health(index=aliases, wait_for_status="green", timeout="60s")

    shards = await cluster_client.cat.shards(index=aliases, format="json", h="index,shard,node,state")
    rows: list[dict[str, str]] = shards.body  # type: ignore[assignment]  # JSON rows, as format=json asks
    copies: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        assert row["state"] == "STARTED"
        copies.setdefault((row["index"], row["shard"]), set()).add(row["node"])
    assert len(copies) == 2 * len(READ_MODELS)  # two shards per read model
    assert all(len(nodes) == 2 for nodes in copies.values())


async def test_indices_created_without_replicas_get_the_layouts_replicas(
    cluster_client: AsyncElasticsearch, cluster_prefix: str
) -> None:
    await ensure_indices(cluster_client, cluster_prefix)
    assert set((await replicas(cluster_client, cluster_prefix)).values()) == {0}

    await ensure_indices(cluster_client, cluster_prefix, IndexLayout(replicas=1))

    assert set((await replicas(cluster_client, cluster_prefix)).values()) == {1}
