"""The 3-node Elasticsearch cluster of the tests that lose a node: devstack's managed cluster on ports of its own.

It listens on ``CATALOG_TEST_CLUSTER_PORT`` (default 9281) and the two ports after it (transport 1000 above), away
from the session's node (9250), the shared servers (9260, 9261) and the benchmark's node (9270), with a 256 MiB
heap per node, in the cache directory and on the Java the single test node uses. It is started only when a test
asks for it (the ``elasticsearch_cluster`` fixture, marker ``cluster``), reused if already running, and stopped at
the end of the session if this session started it. Tests kill and restart its nodes; each test leaves every node
running.
"""

from __future__ import annotations

import os

from devstack.distribution import Distribution
from devstack.elasticsearch_cluster import ElasticsearchCluster
from tests.support.elasticsearch import cache_dir, java_homes

PORT_VARIABLE = "CATALOG_TEST_CLUSTER_PORT"
DEFAULT_PORT = 9281
NODES = 3
HEAP = "256m"


def cluster_for_tests() -> ElasticsearchCluster:
    """The tests' cluster (not started by this call)."""
    port = int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT)
    return ElasticsearchCluster(
        Distribution.in_cache(cache_dir()), first_port=port, nodes=NODES, heap=HEAP, java_homes=java_homes()
    )
