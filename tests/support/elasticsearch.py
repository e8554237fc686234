"""Elasticsearch for a pytest session: the server named by the environment, else the managed local node.

Set ``CATALOG_TEST_ELASTICSEARCH_URL`` (for example ``http://localhost:9200``) to use an existing server.
Otherwise the managed node listens on ``CATALOG_TEST_ELASTICSEARCH_PORT`` (default 9250, away from a
developer's node on 9200); a node already running there is reused and left running.
"""

from __future__ import annotations

import os

from read_index.local_node import LocalElasticsearch

URL_VARIABLE = "CATALOG_TEST_ELASTICSEARCH_URL"
PORT_VARIABLE = "CATALOG_TEST_ELASTICSEARCH_PORT"
DEFAULT_PORT = 9250

_started_here: list[LocalElasticsearch] = []  # the node this process launched, if any


def managed_node() -> LocalElasticsearch:
    """The managed node on the test port (not started by this call)."""
    return LocalElasticsearch(port=int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT))


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
