"""The errors of the development servers: one base the CLI turns into a one-line message and an exit code."""

from __future__ import annotations


class DevstackError(RuntimeError):
    """A development server could not be installed, started, reached or stopped; the message says why."""


class ElasticsearchNodeError(DevstackError):
    """The managed Elasticsearch node, its distribution or a Java to run it failed."""


class PostgresClusterError(DevstackError):
    """The throwaway PostgreSQL cluster could not be installed, started, stopped or administered."""
