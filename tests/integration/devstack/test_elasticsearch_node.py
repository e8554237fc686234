"""The managed local Elasticsearch node runs the pinned version and reports itself as running."""

from __future__ import annotations

import os

import httpx
import pytest

from devstack.distribution import DEFAULT_VERSION
from devstack.elasticsearch_node import ElasticsearchNode
from tests.support.elasticsearch import URL_VARIABLE, elasticsearch_url, managed_node

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def node() -> ElasticsearchNode:
    if os.environ.get(URL_VARIABLE, "").strip():
        pytest.skip(f"{URL_VARIABLE} names an external Elasticsearch; the managed node is not in use")
    elasticsearch_url()  # starts the node, or reuses the one already running
    return managed_node()


def test_the_managed_node_answers_with_the_pinned_version(node: ElasticsearchNode) -> None:
    response = httpx.get(f"{node.url}/_nodes/_local?filter_path=nodes.*.version", timeout=10)

    response.raise_for_status()
    assert [info["version"] for info in response.json()["nodes"].values()] == [DEFAULT_VERSION]


def test_status_reports_the_url_of_the_running_node(node: ElasticsearchNode) -> None:
    assert node.status() == node.url == elasticsearch_url()
