"""The managed 3-node cluster: every node runs the pinned version; a node killed with SIGKILL leaves it yellow with
the reason, and rejoins when started again; killing the master elects another."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from devstack.distribution import DEFAULT_VERSION
from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.elasticsearch_node import ElasticsearchNode

pytestmark = pytest.mark.cluster


@pytest.fixture
def replicated_index(elasticsearch_cluster: ElasticsearchCluster) -> Iterator[str]:
    """An index of one shard and one replica on the cluster, both copies started."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    url = elasticsearch_cluster.urls[0]
    settings = {"settings": {"number_of_shards": 1, "number_of_replicas": 1}}
    httpx.put(f"{url}/{name}", json=settings, timeout=30).raise_for_status()
    httpx.get(f"{url}/_cluster/health/{name}", params={"wait_for_status": "green"}, timeout=60).raise_for_status()
    yield name
    httpx.delete(f"{url}/{name}", timeout=30)


def holders(cluster: ElasticsearchCluster, index: str) -> list[ElasticsearchNode]:
    rows = httpx.get(f"{cluster.urls[0]}/_cat/shards/{index}", params={"format": "json", "h": "node"}, timeout=10)
    names = {row["node"] for row in rows.json()}
    return [node for node in cluster.nodes if node.config.name in names]


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time given"
        time.sleep(0.5)


def test_every_node_runs_the_pinned_version_and_the_cluster_of_three_is_green(
    elasticsearch_cluster: ElasticsearchCluster,
) -> None:
    nodes = httpx.get(f"{elasticsearch_cluster.urls[0]}/_nodes?filter_path=nodes.*.version,nodes.*.name", timeout=10)

    assert sorted(info["name"] for info in nodes.json()["nodes"].values()) == [
        node.config.name for node in elasticsearch_cluster.nodes
    ]
    assert {info["version"] for info in nodes.json()["nodes"].values()} == {DEFAULT_VERSION}
    health = elasticsearch_cluster.wait_for_status("green", 60)
    assert (health.status, health.nodes, health.reason) == ("green", 3, None)


def test_a_killed_node_leaves_the_cluster_yellow_with_the_reason_and_rejoins_when_restarted(
    elasticsearch_cluster: ElasticsearchCluster, replicated_index: str
) -> None:
    master = elasticsearch_cluster.master()
    victim = next(node for node in holders(elasticsearch_cluster, replicated_index) if node is not master)

    victim.kill()
    try:
        assert victim.status() is None
        health = elasticsearch_cluster.wait_for_status("green", 5)
        assert (health.status, health.nodes) == ("yellow", 2)
        assert health.reason is not None
        # The reason names the first unassigned copy, which may be another test's index on the shared cluster.
        assert "replica unassigned (NODE_LEFT)" in health.reason
    finally:
        elasticsearch_cluster.restart(victim)

    health = elasticsearch_cluster.wait_for_status("green", 120)
    assert (health.status, health.nodes) == ("green", 3)


def test_killing_the_master_elects_another_among_the_other_nodes(elasticsearch_cluster: ElasticsearchCluster) -> None:
    master = elasticsearch_cluster.master()
    assert master is not None

    master.kill()
    try:
        wait_for(lambda: elasticsearch_cluster.master() not in (None, master))
    finally:
        elasticsearch_cluster.restart(master)

    assert elasticsearch_cluster.wait_for_status("green", 120).nodes == 3
