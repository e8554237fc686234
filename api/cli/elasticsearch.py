"""`catalog elasticsearch start|stop|status`: the managed local Elasticsearch node from the shell."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from read_index import local_node
from read_index.local_node import LocalElasticsearch, LocalNodeError

port_option = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    envvar="CATALOG_ELASTICSEARCH_PORT",
    default=9200,
    show_default=True,
    help="HTTP port on 127.0.0.1 (env CATALOG_ELASTICSEARCH_PORT).",
)
heap_option = click.option(
    "--heap",
    envvar="CATALOG_ELASTICSEARCH_HEAP",
    default="512m",
    show_default=True,
    help="JVM heap, at most 1g (env CATALOG_ELASTICSEARCH_HEAP).",
)


@click.group()
def elasticsearch() -> None:
    """The local Elasticsearch node the service, the tests and the benchmarks use."""


@elasticsearch.command()
@port_option
@heap_option
@click.option("--timeout", type=float, default=120, show_default=True, help="Seconds to wait for health.")
def start(port: int, heap: str, timeout: float) -> None:
    """Install (once) and start the node if it is not running; print its URL last."""
    with _errors_as_exit_code():
        _progress_to_stderr()
        url = LocalElasticsearch(port=port, heap=heap).start(timeout=timeout)
    click.echo(url)


@elasticsearch.command()
@port_option
def stop(port: int) -> None:
    """Stop the node; does nothing if it is not running."""
    with _errors_as_exit_code():
        _progress_to_stderr()
        LocalElasticsearch(port=port).stop()


@elasticsearch.command()
@port_option
def status(port: int) -> None:
    """Print the node's URL and log file; exit 1 if it is not running."""
    with _errors_as_exit_code():
        node = LocalElasticsearch(port=port)
        url = node.status()
    if url is None:
        click.echo(f"not running (log: {node.log_file})")
        sys.exit(1)
    click.echo(url)
    click.echo(node.log_file)


@contextmanager
def _errors_as_exit_code() -> Iterator[None]:
    try:
        yield
    except LocalNodeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


def _progress_to_stderr() -> None:
    logger = logging.getLogger(local_node.__name__)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
