"""What one Elasticsearch node is told: its names, ports, heap and discovery, and the switches of this
distribution. Everything a node of a several-node cluster would set differently is a field, not a constant."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from devstack.errors import ElasticsearchNodeError

CLUSTER_NAME = "catalog-local"
MAX_HEAP_BYTES = 1 << 30
# The transport port is pinned beside the HTTP port: the default transport range (9300-9399) would take the HTTP
# port of another managed node started on 9300 or above.
TRANSPORT_PORT_OFFSET = 1000
SINGLE_NODE: Mapping[str, object] = MappingProxyType({"discovery.type": "single-node"})

_HEAP = re.compile(r"(\d+)([kmg])", re.IGNORECASE)
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
# The integ-test-zip holds only the x-pack-core, x-pack-security, transport-netty4 and apm modules. The
# switches below are the x-pack ones it accepts (x-pack-core defines them; most plugins they govern are
# absent, so they are off twice). Settings of absent modules, such as xpack.ccr.enabled, xpack.sql.enabled,
# xpack.transform.enabled or ingest.geoip.downloader.enabled, are unknown to it and would stop the boot.
_DISTRIBUTION_SETTINGS: Mapping[str, object] = MappingProxyType(
    {
        "network.host": "127.0.0.1",
        "xpack.security.enabled": False,
        "xpack.ml.enabled": False,
        "xpack.watcher.enabled": False,
        "xpack.graph.enabled": False,
        "xpack.profiling.enabled": False,
        "xpack.ent_search.enabled": False,
        "xpack.apm_data.enabled": False,
        "action.destructive_requires_name": False,
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
)


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """One node on loopback. A cluster gives each node its own ``http_port`` (hence its own directory) and
    ``discovery`` naming its peers (``discovery.seed_hosts``, ``cluster.initial_master_nodes``)."""

    http_port: int = 9200
    heap: str = "512m"
    cluster_name: str = CLUSTER_NAME
    node_name: str | None = None
    """None: ``<cluster_name>-<http_port>``."""
    transport_port: int | None = None
    """None: ``http_port + TRANSPORT_PORT_OFFSET``."""
    discovery: Mapping[str, object] = field(default_factory=lambda: SINGLE_NODE, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "heap", checked_heap(self.heap))

    @property
    def name(self) -> str:
        return self.node_name or f"{self.cluster_name}-{self.http_port}"

    @property
    def transport(self) -> int:
        return self.transport_port or self.http_port + TRANSPORT_PORT_OFFSET

    def elasticsearch_yml(self, data_dir: Path, logs_dir: Path) -> str:
        """The node's ``elasticsearch.yml`` (written as JSON values, which are valid YAML)."""
        settings = {
            "cluster.name": self.cluster_name,
            **_DISTRIBUTION_SETTINGS,
            **self.discovery,
            "node.name": self.name,
            "http.port": self.http_port,
            "transport.port": self.transport,
            "path.data": str(data_dir),
            "path.logs": str(logs_dir),
        }
        return "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())


def checked_heap(heap: str) -> str:
    """``heap`` as a JVM size (``512m``), refused unless it is above zero and at most 1 GiB."""
    match = _HEAP.fullmatch(heap.strip())
    if match is None:
        raise ElasticsearchNodeError(f"heap {heap!r} is not a JVM size such as 512m or 1g")
    size = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if not 0 < size <= MAX_HEAP_BYTES:
        raise ElasticsearchNodeError(f"heap {heap!r} must be above zero and at most 1g")
    return match.group(0).lower()
