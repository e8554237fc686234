"""The managed local Elasticsearch as the CLI sees it: a devstack node (or cluster, CATALOG_ELASTICSEARCH_NODES
above 1) built from the settings, and the URL the commands use (CATALOG_ELASTICSEARCH_URL, or else the managed
node's, or the cluster's nodes' comma-separated, started if it is not running).

The decision lives here, in the CLI, so that the composition root (`api/bootstrap.py`) only takes the URL it is
given and no product module imports the development tooling.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from api.settings import Settings
from api.startup_errors import StartupError
from devstack.distribution import Distribution
from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.elasticsearch_node import ElasticsearchNode
from devstack.errors import DevstackError
from devstack.node_config import NodeConfig


def managed_node(settings: Settings, *, port: int | None = None, heap: str | None = None) -> ElasticsearchNode:
    """The node of the settings (cache directory, port, heap, Java home); ``port`` and ``heap`` override them."""
    config = NodeConfig(http_port=port or settings.elasticsearch_port, heap=heap or settings.elasticsearch_heap)
    return ElasticsearchNode(Distribution.in_cache(settings.cache_dir), config, java_homes=_java_homes(settings))


def managed_cluster(
    settings: Settings, *, port: int | None = None, nodes: int | None = None, heap: str | None = None
) -> ElasticsearchCluster:
    """The cluster of the settings: ``nodes`` nodes (CATALOG_ELASTICSEARCH_NODES) from ``port`` on, each with
    ``heap``; the benchmarks start theirs with it too."""
    return ElasticsearchCluster(
        Distribution.in_cache(settings.cache_dir),
        first_port=port or settings.elasticsearch_port,
        nodes=nodes or settings.elasticsearch_nodes,
        heap=heap or settings.elasticsearch_heap,
        java_homes=_java_homes(settings),
    )


async def elasticsearch_url(settings: Settings) -> str:
    """CATALOG_ELASTICSEARCH_URL, or else the managed local node's (the cluster's), started if it is not running."""
    if settings.elasticsearch_url:
        return settings.elasticsearch_url
    try:
        if settings.elasticsearch_nodes > 1:
            cluster = managed_cluster(settings)
            await asyncio.to_thread(cluster.start)
            return cluster.url
        return await asyncio.to_thread(managed_node(settings).start)
    except DevstackError as error:
        raise StartupError(
            f"cannot start the managed Elasticsearch on port {settings.elasticsearch_port}: {error}"
        ) from None


async def with_elasticsearch_url(settings: Settings) -> Settings:
    """The settings with the Elasticsearch URL the services are to use, the managed node started if need be."""
    return settings.model_copy(update={"elasticsearch_url": await elasticsearch_url(settings)})


def _java_homes(settings: Settings) -> list[Path]:
    return [settings.java_home] if settings.java_home else []
