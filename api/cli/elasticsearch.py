"""`catalog elasticsearch start|stop|status`: the managed local Elasticsearch node from the shell.

The node is the one `catalog serve` uses when CATALOG_ELASTICSEARCH_URL is unset: the settings' cache directory,
port, heap and Java home; `--port` and `--heap` override the settings.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

import devstack
from api.cli.common import read_settings
from api.cli.managed_elasticsearch import managed_node
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


@click.group()
def elasticsearch() -> None:
    """The local Elasticsearch node the service, the tests and the benchmarks use."""


@elasticsearch.command()
@port_option
@heap_option
@click.option("--timeout", type=float, default=120, show_default=True, help="Seconds to wait for health.")
def start(port: int | None, heap: str | None, timeout: float) -> None:
    """Install (once) and start the node if it is not running; print its URL last."""
    with _errors_as_exit_code():
        _progress_to_stderr()
        url = managed_node(read_settings(), port=port, heap=heap).start(timeout=timeout)
    click.echo(url)


@elasticsearch.command()
@port_option
def stop(port: int | None) -> None:
    """Stop the node; does nothing if it is not running."""
    with _errors_as_exit_code():
        _progress_to_stderr()
        managed_node(read_settings(), port=port).stop()


@elasticsearch.command()
@port_option
def status(port: int | None) -> None:
    """Print the node's URL and log file; exit 1 if it is not running."""
    with _errors_as_exit_code():
        node = managed_node(read_settings(), port=port)
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
    except DevstackError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


def _progress_to_stderr() -> None:
    logger = logging.getLogger(devstack.__name__)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
