"""The lean connections against elasticsearch-py on the 3-node cluster: the same answers, or the same exceptions,
with every node up, and while one is killed (the lean connections skip it, the official client retries
elsewhere)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from elasticsearch import AsyncElasticsearch

from api.fastpath.lean_elasticsearch import LeanConnections, LeanTransport
from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.elasticsearch_node import ElasticsearchNode
from read_index.indices import IndexLayout, alias_name, ensure_indices
from read_index.transport import ClientTransport, ReadTransport
from tests.integration.api.fast_path_differential.test_elasticsearch import Request, _get, _outcome, _search
from tests.integration.read_index.states import index_states, product_state

pytestmark = pytest.mark.cluster

ROUNDS = 6  # enough for the round-robin to reach every node twice


@pytest.fixture
async def seeded(cluster_client: AsyncElasticsearch, cluster_prefix: str) -> list[str]:
    """Ids of six products indexed on the cluster, each shard with a replica on a second node."""
    await ensure_indices(cluster_client, cluster_prefix, IndexLayout(replicas=1))
    states = [product_state(f"Walnut lamp {i}", sku=f"DIFF-{i}") for i in range(6)]
    await index_states(cluster_client, cluster_prefix, products=states)
    await cluster_client.cluster.health(index=f"{cluster_prefix}-*", wait_for_status="green", timeout="60s")
    return [str(state["id"]) for state in states]


@pytest.fixture
async def transports(
    elasticsearch_cluster: ElasticsearchCluster,
) -> AsyncIterator[tuple[ReadTransport, ReadTransport]]:
    """elasticsearch-py alone, and the lean connections falling back to it, both over every node."""
    client = AsyncElasticsearch(elasticsearch_cluster.urls, request_timeout=5, max_retries=2, retry_on_timeout=True)
    lean = LeanConnections.for_url(elasticsearch_cluster.url, timeout=5, limit=2)
    assert lean is not None
    official = ClientTransport(client)
    yield official, LeanTransport(lean, official)
    await lean.close()
    await client.close()


@pytest.fixture
def killed_node(elasticsearch_cluster: ElasticsearchCluster) -> Iterator[ElasticsearchNode]:
    """A node other than the master, killed with SIGKILL for the test and started again afterwards."""
    master = elasticsearch_cluster.master()
    node = next(node for node in elasticsearch_cluster.nodes if node is not master)
    node.kill()
    yield node
    elasticsearch_cluster.restart(node)
    elasticsearch_cluster.wait_for_status("green", 120)


def requests(prefix: str, ids: list[str]) -> list[Request]:
    products = alias_name(prefix, "products")
    return [
        _search(f"/{products}/_search?filter_path=hits.total,hits.hits._id"),
        _get(f"/{products}/_doc/{ids[0]}"),
        _get(f"/{products}/_doc/no-such-id"),
        _search("/no-such-index-of-this-test/_search"),
    ]


async def assert_alike(transports: tuple[ReadTransport, ReadTransport], prefix: str, ids: list[str]) -> None:
    official, lean = transports
    for _ in range(ROUNDS):
        for request in requests(prefix, ids):
            assert await _outcome(lean, request) == await _outcome(official, request)


async def test_every_node_answers_the_lean_connections_as_the_official_client(
    transports: tuple[ReadTransport, ReadTransport], cluster_prefix: str, seeded: list[str]
) -> None:
    await assert_alike(transports, cluster_prefix, seeded)


async def test_with_a_node_killed_the_lean_connections_answer_as_the_official_client(
    transports: tuple[ReadTransport, ReadTransport],
    cluster_prefix: str,
    seeded: list[str],
    killed_node: ElasticsearchNode,
) -> None:
    found = await _outcome(transports[1], _get(f"/{alias_name(cluster_prefix, 'products')}/_doc/{seeded[0]}"))
    assert found[0] == "answer"
    assert found[1]["found"] is True
    await assert_alike(transports, cluster_prefix, seeded)
