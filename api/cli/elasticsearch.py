"""`catalog elasticsearch start|stop|status`: the managed local Elasticsearch node, or cluster, from the shell.

The node is the one `catalog serve` uses when CATALOG_ELASTICSEARCH_URL is unset: the settings' cache directory,
port, heap, number of nodes and Java home; `--port`, `--heap` and `--nodes` override the settings. With more than
one node, a cluster runs on the port and the ones after it, and its URL is every node's, comma-separated.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

import devstack
from api.cli.common import read_settings
from api.cli.exit_codes import ExitCode
from api.cli.failures import OperatorError
from api.cli.managed_elasticsearch import managed_cluster, managed_node
from api.settings import Settings
from devstack.elasticsearch_cluster import ElasticsearchCluster
from devstack.errors import DevstackError

port_option = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="HTTP port on 127.0.0.1 [default: CATALOG_ELASTICSEARCH_PORT, else 9200].",
)
heap_option = click.option(
    "--heap",
    default=None,
    help="JVM heap, at most 1g [default: CATALOG_ELASTICSEARCH_HEAP, else 512m].",
)
nodes_option = click.option(
    "--nodes",
    type=click.IntRange(1, 9),
    default=None,
    help="Nodes; above 1, a cluster on the port and the next ones [default: CATALOG_ELASTICSEARCH_NODES, else 1].",
)


@click.group()
def elasticsearch() -> None:
    """The local Elasticsearch node the service, the tests and the benchmarks use."""


@elasticsearch.command()
@port_option
@heap_option
@nodes_option
@click.option("--timeout", type=float, default=120, show_default=True, help="Seconds to wait for health.")
def start(port: int | None, heap: str | None, nodes: int | None, timeout: float) -> None:
    """Install (once) and start the node (every node) if it is not running; print its URL last."""
    with _errors_as_exit_code():
        _progress_to_stderr()
        settings = read_settings()
        if _cluster_size(settings, nodes) == 1:
            url = managed_node(settings, port=port, heap=heap).start(timeout=timeout)
        else:
            cluster = managed_cluster(settings, port=port, nodes=nodes, heap=heap)
            cluster.start(timeout=timeout)  # logs the health: green, or yellow with the reason
            url = cluster.url
    click.echo(url)


@elasticsearch.command()
@port_option
@nodes_option
def stop(port: int | None, nodes: int | None) -> None:
    """Stop the node (every node); does nothing for those not running."""
    with _errors_as_exit_code():
        _progress_to_stderr()
        settings = read_settings()
        if _cluster_size(settings, nodes) == 1:
            managed_node(settings, port=port).stop()
        else:
            managed_cluster(settings, port=port, nodes=nodes).stop()


@elasticsearch.command()
@port_option
@nodes_option
def status(port: int | None, nodes: int | None) -> None:
    """Print the URL and log file (of each node, and the cluster's health); exit 1 unless every node runs."""
    with _errors_as_exit_code():
        settings = read_settings()
        if _cluster_size(settings, nodes) > 1:
            _cluster_status(managed_cluster(settings, port=port, nodes=nodes))
            return
        node = managed_node(settings, port=port)
        url = node.status()
    if url is None:
        click.echo(f"not running (log: {node.log_file})")
        sys.exit(ExitCode.FOUND)
    click.echo(url)
    click.echo(node.log_file)


def _cluster_status(cluster: ElasticsearchCluster) -> None:
    urls = cluster.status()
    for node, url in zip(cluster.nodes, urls, strict=True):
        click.echo(f"{node.config.name}: {'running at ' + url if url else 'not running'} (log: {node.log_file})")
    health = cluster.health()
    click.echo(f"cluster {cluster.name}: {health.describe() if health else 'not running'}")
    if None in urls:
        sys.exit(ExitCode.FOUND)
    click.echo(cluster.url)


def _cluster_size(settings: Settings, nodes: int | None) -> int:
    return nodes or settings.elasticsearch_nodes


@contextmanager
def _errors_as_exit_code() -> Iterator[None]:
    try:
        yield
    except DevstackError as error:
        raise OperatorError(ExitCode.USAGE, str(error)) from None


def _progress_to_stderr() -> None:
    logger = logging.getLogger(devstack.__name__)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
