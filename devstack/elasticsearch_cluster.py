"""A managed local Elasticsearch cluster: N nodes on loopback, each its own process, ports and data directory.

Every node runs the same cached distribution as the single managed node (distribution.py) and is an
`ElasticsearchNode` with a `NodeConfig` naming its peers. Node ``i`` listens for HTTP on ``first_port + i`` and for
transport beside it (``+ TRANSPORT_PORT_OFFSET``); all nodes are master-eligible and data nodes, so losing any one
of three (the master too) leaves a quorum that elects a new master. Layout under ``<cache dir>/elasticsearch/``::

    <version>-cluster-<first port>/node-<port>/    config, data, logs and state.json of one node

A node cannot become healthy alone (no master without a quorum), so the cluster launches every node first and
then waits: until every node answers and has joined, then for green, which a fresh cluster reaches at once. A
cluster that stays yellow (a replica that cannot be placed) is reported with the reason instead of failing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack import node_probe
from devstack.distribution import Distribution
from devstack.elasticsearch_node import ElasticsearchNode
from devstack.errors import ElasticsearchNodeError
from devstack.files import locked
from devstack.node_config import TRANSPORT_PORT_OFFSET, NodeConfig

log = logging.getLogger(__name__)

DEFAULT_NODES = 3
DEFAULT_HEAP = "256m"
GREEN_GRACE_SECONDS = 30.0
"""How long a cluster whose nodes have all joined may take to turn green before yellow is reported instead."""


@dataclass(frozen=True, slots=True)
class ClusterHealth:
    status: str
    """green, yellow or red."""
    nodes: int
    """Nodes in the cluster, as its master counts them."""
    reason: str | None = None
    """Why it is not green: the first unassigned shard copy and what keeps it so."""

    def describe(self) -> str:
        return f"{self.status}, {self.nodes} nodes" + (f" ({self.reason})" if self.reason else "")


class ElasticsearchCluster:
    """``nodes`` managed nodes on ``127.0.0.1:first_port`` and the ports after it, forming one cluster."""

    def __init__(
        self,
        distribution: Distribution,
        *,
        first_port: int = 9200,
        nodes: int = DEFAULT_NODES,
        heap: str = DEFAULT_HEAP,
        java_homes: Sequence[Path] = (),
    ) -> None:
        if nodes < 1:
            raise ElasticsearchNodeError(f"a cluster needs at least one node, not {nodes}")
        self.distribution = distribution
        self.first_port = first_port
        self.name = f"catalog-cluster-{first_port}"
        ports = range(first_port, first_port + nodes)
        names = [f"node-{port}" for port in ports]
        discovery = {
            "discovery.seed_hosts": [f"127.0.0.1:{port + TRANSPORT_PORT_OFFSET}" for port in ports],
            "cluster.initial_master_nodes": names,
        }
        self.nodes = [
            ElasticsearchNode(
                distribution,
                NodeConfig(http_port=port, heap=heap, cluster_name=self.name, node_name=name, discovery=discovery),
                java_homes=java_homes,
                directory=self.directory / name,
            )
            for port, name in zip(ports, names, strict=True)
        ]

    @property
    def directory(self) -> Path:
        return self.distribution.root / f"{self.distribution.version}-cluster-{self.first_port}"

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated: the form CATALOG_ELASTICSEARCH_URL takes."""
        return ",".join(self.urls)

    def start(self, timeout: float = 180) -> ClusterHealth:
        """Launch every node that is not running, then wait until all have joined and the cluster is green (or
        yellow, with the reason, after `GREEN_GRACE_SECONDS`). Nodes launched here are stopped if that fails."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with locked(self.directory / "start.lock"):
            launched = [node for node in self.nodes if node.launch()]
            try:
                health = self.wait_until_formed(timeout)
            except BaseException:
                self._stop_all(launched, timeout=10)
                raise
        log.info("Elasticsearch cluster %s is up at %s: %s", self.name, self.url, health.describe())
        return health

    def wait_until_formed(self, timeout: float = 180) -> ClusterHealth:
        """Every node answers and has joined; then green, or yellow with its reason after the grace period."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            self._wait_until_joined(node, deadline)
        return self.wait_for_status("green", min(GREEN_GRACE_SECONDS, _left(deadline)))

    def wait_for_status(self, status: str, timeout: float) -> ClusterHealth:
        """The health once it is `status` (or better) with every node joined; after `timeout`, the health as it
        is, with the reason it is not `status`. Raises if no node answers."""
        deadline = time.monotonic() + timeout
        conditions = {"wait_for_status": status, "wait_for_nodes": str(len(self.nodes))}
        while True:
            health = self._ask_health(**conditions)
            if health is not None and (health[1] or time.monotonic() > deadline):
                return health[0]
            if health is None and time.monotonic() > deadline:
                raise ElasticsearchNodeError(f"no node of cluster {self.name} answers ({self.url})")
            time.sleep(0.5)

    def health(self) -> ClusterHealth | None:
        """The health now, from any node that answers; None if none does."""
        health = self._ask_health()
        return None if health is None else health[0]

    def status(self) -> list[str | None]:
        """Each node's URL if it is running and answering, else None, in port order."""
        return [node.status() for node in self.nodes]

    def master(self) -> ElasticsearchNode | None:
        """The node elected master, as the first answering node knows it."""
        url = self._answering_url()
        name = node_probe.master_node_name(url) if url is not None else None
        return next((node for node in self.nodes if node.config.name == name), None)

    def restart(self, node: ElasticsearchNode, timeout: float = 120) -> None:
        """Start `node` again (after `kill` or `stop`) and wait until it answers and has rejoined."""
        node.launch()
        self._wait_until_joined(node, time.monotonic() + timeout)

    def stop(self, timeout: float = 60) -> None:
        """Stop every node (all at once: each takes seconds to shut down); nothing to do for those not running."""
        self._stop_all(self.nodes, timeout)

    def _stop_all(self, nodes: Sequence[ElasticsearchNode], timeout: float) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
            for done in [pool.submit(node.stop, timeout) for node in nodes]:
                done.result()

    def _wait_until_joined(self, node: ElasticsearchNode, deadline: float) -> None:
        """`node` answers, and its cluster has every node (it has joined, and a master was elected)."""
        node.wait_until(lambda: node.status() is not None, _left(deadline), "answering")
        everyone = str(len(self.nodes))
        node.wait_until(
            lambda: _met(node_probe.cluster_health(node.url, wait_for_nodes=everyone)),
            _left(deadline),
            f"in a cluster of {everyone} nodes",
        )

    def _answering_url(self) -> str | None:
        return next((url for url in self.status() if url is not None), None)

    def _ask_health(self, **conditions: str) -> tuple[ClusterHealth, bool] | None:
        """The health from the first node that answers, and whether `conditions` were met; None if none answers."""
        url = self._answering_url()
        answer = node_probe.cluster_health(url, **conditions) if url is not None else None
        if url is None or answer is None:
            return None
        status, nodes = str(answer.get("status", "red")), int(answer.get("number_of_nodes", 0))
        reason = None
        if status != "green":
            initializing, unassigned = answer.get("initializing_shards"), answer.get("unassigned_shards")
            counts = f"shard copies: {initializing} initializing, {unassigned} unassigned"
            explained = node_probe.unassigned_shard_reason(url)
            reason = counts if explained is None else f"{counts}; {explained}"
        elif nodes < len(self.nodes):
            reason = f"{len(self.nodes) - nodes} of {len(self.nodes)} nodes have not joined"
        return ClusterHealth(status, nodes, reason), _met(answer)


def _met(answer: dict[str, Any] | None) -> bool:
    return answer is not None and answer.get("timed_out") is False


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
