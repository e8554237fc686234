"""PostgreSQL for a pytest session: a throwaway local cluster, or a server named by the environment.

Set ``CATALOG_TEST_POSTGRES_URL`` to the admin URL of an existing server (a superuser, or a role with
CREATEDB, on its maintenance database) to use it instead of starting a cluster; for example
``postgresql+psycopg://postgres:secret@db.example:5432/postgres``.

Each test gets its own database with a unique name, so tests (and pytest-xdist workers) can run in
parallel against one server.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from devstack.postgres_cluster import PostgresCluster
from devstack.postgres_databases import create_database_on, drop_database_on

ADMIN_URL_VARIABLE = "CATALOG_TEST_POSTGRES_URL"
_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,39}")


class PostgresForTests:
    """Creates and drops uniquely named databases on one server; ``close()`` cleans everything up."""

    def __init__(self, admin_url: str, cluster: PostgresCluster | None = None) -> None:
        self.admin_url = admin_url
        self.cluster = cluster
        self._created: set[str] = set()
        self._closed = False

    def new_database(self, prefix: str = "catalog") -> str:
        """Create a database named ``<prefix>_<pid>_<random>`` and return its SQLAlchemy URL."""
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"database prefix {prefix!r} must match {_PREFIX.pattern}")
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        url = create_database_on(self.admin_url, name)
        self._created.add(name)
        return url

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``new_database`` (given its URL), even if sessions still use it."""
        name = unquote(urlsplit(url).path.lstrip("/"))
        drop_database_on(self.admin_url, name)
        self._created.discard(name)

    def close(self) -> None:
        """Stop and delete the local cluster, or drop what we created on the external server. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self.cluster is None:
            for name in sorted(self._created):
                drop_database_on(self.admin_url, name)
            self._created.clear()
            return
        try:
            self.cluster.stop()
        finally:
            shutil.rmtree(self.cluster.root, ignore_errors=True)

    def __enter__(self) -> PostgresForTests:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def start_session_postgres() -> PostgresForTests:
    """The server named by ``CATALOG_TEST_POSTGRES_URL``, else a new local cluster in a temp directory."""
    external = os.environ.get(ADMIN_URL_VARIABLE, "").strip()
    if external:
        return PostgresForTests(external)
    # Not pytest's tmp_path: it lives under a root-only directory the postgres user cannot traverse.
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="catalog-pg-")))
    try:
        cluster.start()
    except BaseException:
        shutil.rmtree(cluster.root, ignore_errors=True)
        raise
    return PostgresForTests(cluster.admin_url, cluster)


@contextmanager
def private_cluster(purpose: str) -> Iterator[PostgresCluster]:
    """A started PostgreSQL cluster of the caller's own, for a test that stops and starts the server (never the
    session's, which others share): on a port fixed now, so a restart finds it there; deleted afterwards."""
    # Not pytest's tmp_path: it lives under a root-only directory the postgres user cannot traverse.
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix=f"catalog-pg-{purpose}-")), port=_restartable_port())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)


def _restartable_port() -> int:
    """A free port below the kernel's ephemeral range: while the server is down, a port from that range can be
    taken as the local end of any outgoing connection (the tests open thousands), and the restart would fail."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port below the ephemeral range ({low})")
