"""What a run needs running: Elasticsearch (managed, on its own port), PostgreSQL when asked, `catalog serve`.

Every process the benchmark starts is stopped by it, by its own pid. Elasticsearch's CPU is read from the node's
own stats (``process.cpu.total_in_millis``), so it is measured the same way whether we started the node or not.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr

from api.auth import authenticator_from_settings
from api.cli.common import read_settings
from api.cli.managed_elasticsearch import managed_cluster, managed_node
from api.settings import Settings
from bench.measure import process_cpu_seconds, tree_cpu_seconds
from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.elasticsearch_node import ElasticsearchNode
from devstack.postgres_cluster import PostgresCluster
from devstack.postgres_databases import create_database_on
from read_index.indices import IndexLayout

BENCH_ES_PORT = 9270
BENCH_ES_HEAP = "1g"
BENCH_CLUSTER_HEAP = "512m"
"""Each node's heap with `--nodes` above 1: three nodes and the run share the 2-core, 24 GiB machine."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def node_urls(url: str) -> list[str]:
    """Every node's URL in a comma-separated `CATALOG_ELASTICSEARCH_URL`."""
    return [part.strip() for part in url.split(",") if part.strip()]


def layout_for(url: str) -> IndexLayout:
    """The layout of every index of a run on the nodes of `url`, the service's and the raw baselines' alike: a
    replica of each shard on a cluster (as a deployment on one has), none on a single node."""
    return IndexLayout(replicas=1 if len(node_urls(url)) > 1 else 0)


class Elasticsearch:
    """The node or nodes the run uses: given URLs (comma-separated), or a managed node on ``BENCH_ES_PORT`` started
    (and stopped) here, in the cache directory and on the Java the CATALOG_* settings name, as `catalog
    elasticsearch start` would; with ``nodes`` above 1 a managed cluster on that port and the ones after it."""

    def __init__(self, url: str | None, port: int = BENCH_ES_PORT, nodes: int = 1) -> None:
        self._managed: ElasticsearchNode | ElasticsearchCluster | None = None
        if not url:
            settings = read_settings()
            if nodes > 1:
                self._managed = managed_cluster(settings, port=port, nodes=nodes, heap=BENCH_CLUSTER_HEAP)
            else:
                self._managed = managed_node(settings, port=port, heap=BENCH_ES_HEAP)
        self.url = url or ""
        self._pids: list[int] | None = None

    def start(self) -> str:
        if isinstance(self._managed, ElasticsearchCluster):
            self._managed.start(timeout=300)
            self.url = self._managed.url
        elif self._managed is not None:
            self.url = self._managed.start(timeout=300)
        return self.url

    def stop(self) -> None:
        nodes = self._managed.nodes if isinstance(self._managed, ElasticsearchCluster) else [self._managed]
        for node in nodes:  # only what this run launched: a node found running was someone else's
            if node is not None and node.launched:
                node.stop()

    @property
    def urls(self) -> list[str]:
        """Every node's URL: what the run's clients are given, so they spread their requests as the service does."""
        return node_urls(self.url)

    @property
    def layout(self) -> IndexLayout:
        return layout_for(self.url)

    def cpu_seconds(self) -> float:
        """Every node's, from /proc when the nodes run on this machine (exact); else the nodes' own, coarser,
        stats."""
        if self._pids is None:
            self._pids = self._node_process_ids()
        if self._pids and all(Path(f"/proc/{pid}/stat").exists() for pid in self._pids):
            return sum(process_cpu_seconds(pid) for pid in self._pids)
        query = "filter_path=nodes.*.process.cpu.total_in_millis"
        try:
            nodes = httpx.get(f"{self.urls[0]}/_nodes/stats/process?{query}", timeout=10).json()["nodes"]
            millis = sum(node["process"]["cpu"]["total_in_millis"] for node in nodes.values())
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            return 0.0
        return float(millis) / 1000

    def _node_process_ids(self) -> list[int]:
        try:
            nodes = httpx.get(f"{self.urls[0]}/_nodes/process?filter_path=nodes.*.process.id", timeout=10).json()
            return [int(node["process"]["id"]) for node in nodes["nodes"].values()]
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            return []


class Postgres:
    """A throwaway cluster for the run, deleted afterwards."""

    def __init__(self) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="catalog-bench-pg-"))
        self.cluster = PostgresCluster(self._root)

    def start(self) -> None:
        self.cluster.start()

    def new_database(self, name: str) -> str:
        return create_database_on(self.cluster.admin_url, f"{name}_{os.getpid()}")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.cluster.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_seconds(self) -> float:
        pid = self.postmaster_pid()
        return tree_cpu_seconds(pid) if pid else 0.0

    def stop(self) -> None:
        try:
            self.cluster.stop()
        finally:
            shutil.rmtree(self._root, ignore_errors=True)


def catalog_command() -> list[str]:
    """`catalog` from this interpreter's environment, run through Python so no PATH is needed."""
    return [sys.executable, "-c", "from api.cli import main; main()"]


def catalog_env(database_url: str, elasticsearch_url: str, prefix: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": database_url,
        "CATALOG_ELASTICSEARCH_URL": elasticsearch_url,
        "CATALOG_INDEX_REPLICAS": str(layout_for(elasticsearch_url).replicas),
        "CATALOG_INDEX_PREFIX": prefix,
        "CATALOG_LOG_LEVEL": "WARNING",
        "CATALOG_JWT_SECRET": "bench-secret-not-for-production-0123456789abcdef",
    }
    env.update(extra)
    return env


def run_catalog(args: list[str], env: dict[str, str], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    command = [*catalog_command(), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class Service:
    """A `catalog serve` subprocess on a free loopback port."""

    database_url: str
    elasticsearch_url: str
    prefix: str
    sync_in_process: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    """Run from this source tree instead of the one installed (`bench.ab` compares two revisions)."""
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return catalog_env(
            self.database_url,
            self.elasticsearch_url,
            self.prefix,
            CATALOG_SYNC_IN_PROCESS="true" if self.sync_in_process else "false",
            **self.extra_env,
        )

    def start(self, timeout: float = 120) -> None:
        self.port = free_port()
        handle, name = tempfile.mkstemp(prefix=f"catalog-bench-serve-{self.prefix}-", suffix=".log")
        self.log_path = Path(name)
        command = [*catalog_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stdout=handle, stderr=subprocess.STDOUT, cwd=self.cwd)
        os.close(handle)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"catalog serve exited with {self.process.returncode}: {self.log_tail()}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"catalog serve was not ready within {timeout:.0f}s: {self.log_tail()}")

    def token(self, *scopes: str, subject: str = "bench") -> str:
        """A bearer token signed with the secret the service was started with (as `catalog token` does)."""
        settings = Settings.model_validate({"jwt_secret": SecretStr(self.env["CATALOG_JWT_SECRET"])})
        return authenticator_from_settings(settings).issue(scopes, subject)

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid) if self.process else 0.0

    def log_tail(self, chars: int = 600) -> str:
        if self.log_path is None:
            return ""
        with suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
