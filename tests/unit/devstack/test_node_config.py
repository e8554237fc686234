"""What a managed Elasticsearch node is told, and where it lives in the cache: no process is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.distribution import DEFAULT_VERSION, Distribution
from devstack.elasticsearch_node import ElasticsearchNode
from devstack.errors import ElasticsearchNodeError
from devstack.node_config import CLUSTER_NAME, NodeConfig


def yml_settings(config: NodeConfig) -> dict[str, str]:
    text = config.elasticsearch_yml(Path("/data"), Path("/logs"))
    return dict(line.split(": ", 1) for line in text.splitlines())


def test_a_node_by_default_is_a_single_node_cluster_on_loopback_with_its_transport_port_beside_http() -> None:
    settings = yml_settings(NodeConfig(http_port=9250))

    assert settings["discovery.type"] == '"single-node"'
    assert settings["network.host"] == '"127.0.0.1"'
    assert settings["cluster.name"] == f'"{CLUSTER_NAME}"'
    assert settings["node.name"] == f'"{CLUSTER_NAME}-9250"'
    assert (settings["http.port"], settings["transport.port"]) == ("9250", "10250")
    assert (settings["path.data"], settings["path.logs"]) == ('"/data"', '"/logs"')


def test_a_node_of_a_cluster_takes_its_names_ports_and_discovery_from_its_config() -> None:
    discovery = {"discovery.seed_hosts": ["127.0.0.1:9401"], "cluster.initial_master_nodes": ["a", "b"]}
    config = NodeConfig(http_port=9400, cluster_name="trio", node_name="a", transport_port=9401, discovery=discovery)

    settings = yml_settings(config)

    assert "discovery.type" not in settings
    assert settings["discovery.seed_hosts"] == '["127.0.0.1:9401"]'
    assert settings["cluster.initial_master_nodes"] == '["a", "b"]'
    assert (settings["cluster.name"], settings["node.name"]) == ('"trio"', '"a"')
    assert settings["transport.port"] == "9401"


@pytest.mark.parametrize("heap", ["512M", " 1g ", "262144k"])
def test_a_heap_up_to_one_gibibyte_is_accepted_as_a_lower_case_jvm_size(heap: str) -> None:
    assert NodeConfig(heap=heap).heap == heap.strip().lower()


@pytest.mark.parametrize("heap", ["2g", "1025m", "0m", "512", "half"])
def test_a_heap_above_one_gibibyte_or_not_a_jvm_size_is_refused(heap: str) -> None:
    with pytest.raises(ElasticsearchNodeError, match="heap"):
        NodeConfig(heap=heap)


def test_the_node_and_its_distribution_keep_the_cache_layout(tmp_path: Path) -> None:
    node = ElasticsearchNode(Distribution.in_cache(tmp_path), NodeConfig(http_port=9280))

    assert node.distribution.install_dir == tmp_path / "elasticsearch" / DEFAULT_VERSION
    assert node.node_dir == tmp_path / "elasticsearch" / f"{DEFAULT_VERSION}-node-9280"
    assert node.log_file == node.node_dir / "logs" / "console.log"
    assert node.url == "http://127.0.0.1:9280"
