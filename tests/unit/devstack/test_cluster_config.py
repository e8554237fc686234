"""What the nodes of a managed cluster are told, and where they live in the cache: no process is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.distribution import DEFAULT_VERSION, Distribution
from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.errors import ElasticsearchNodeError


def cluster(tmp_path: Path, **options: object) -> ElasticsearchCluster:
    return ElasticsearchCluster(Distribution.in_cache(tmp_path), **options)  # type: ignore[arg-type]


def test_a_cluster_of_three_takes_three_consecutive_http_ports_with_their_transport_ports_beside(
    tmp_path: Path,
) -> None:
    nodes = cluster(tmp_path, first_port=9400).nodes

    assert [(node.port, node.config.transport) for node in nodes] == [(9400, 10400), (9401, 10401), (9402, 10402)]


def test_every_node_seeds_discovery_with_all_transport_ports_and_names_all_nodes_as_initial_masters(
    tmp_path: Path,
) -> None:
    nodes = cluster(tmp_path, first_port=9400).nodes

    for node in nodes:
        assert node.config.discovery == {
            "discovery.seed_hosts": ["127.0.0.1:10400", "127.0.0.1:10401", "127.0.0.1:10402"],
            "cluster.initial_master_nodes": ["node-9400", "node-9401", "node-9402"],
        }
    assert {node.config.cluster_name for node in nodes} == {"catalog-cluster-9400"}


def test_each_node_has_a_directory_of_its_own_inside_the_clusters_away_from_a_single_node_on_the_same_port(
    tmp_path: Path,
) -> None:
    trio = cluster(tmp_path, first_port=9400)

    assert trio.directory == tmp_path / "elasticsearch" / f"{DEFAULT_VERSION}-cluster-9400"
    assert [node.node_dir for node in trio.nodes] == [trio.directory / f"node-{port}" for port in (9400, 9401, 9402)]


def test_the_clusters_url_names_every_node_comma_separated(tmp_path: Path) -> None:
    assert cluster(tmp_path, first_port=9400, nodes=2).url == "http://127.0.0.1:9400,http://127.0.0.1:9401"


def test_every_node_gets_the_clusters_heap(tmp_path: Path) -> None:
    assert {node.config.heap for node in cluster(tmp_path, heap="384M").nodes} == {"384m"}


def test_a_cluster_of_no_nodes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ElasticsearchNodeError, match="at least one node"):
        cluster(tmp_path, nodes=0)
