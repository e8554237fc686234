"""Running the real `catalog` command against stores that are there, stopped or unreachable."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.postgres_cluster import PostgresCluster
from domain.storage.migrate import upgrade
from tests.integration.sync.conftest import cli_command
from tests.support.tcp_proxy import free_port

SECRET = "an-operator-test-secret-long-enough-for-production"


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The process environment with a clean CATALOG_* configuration: a secret (no development-secret warning), a
    cache directory of the test's own, and `settings` (names without the CATALOG_ prefix)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CATALOG_")}
    env |= {"CATALOG_JWT_SECRET": SECRET, "CATALOG_CACHE_DIR": str(tmp_path / "cache")}
    return env | {f"CATALOG_{name.upper()}": value for name, value in settings.items()}


def catalog(env: dict[str, str], cwd: Path, *args: str, timeout: float = 120) -> Outcome:
    """`catalog ARGS...` in a subprocess, run to its end."""
    command = cli_command(*args)
    done = subprocess.run(command, check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return Outcome(done.returncode, done.stdout, done.stderr)


_HELD_PORTS: list[socket.socket] = []


def closed_port_url() -> str:
    """An address where nothing listens: connections are refused at once. The port stays bound (never listened
    on) until the tests end: a port merely found free may become the source port of another connection, and a
    connection from the command to that port could then reach itself instead of being refused."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    _HELD_PORTS.append(held)
    return f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def stopped_postgres() -> Iterator[str]:
    """The URL of a migrated database on a PostgreSQL cluster of the module's own, stopped."""
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="catalog-pg-stopped-")), port=free_port())
    try:
        cluster.start()
        url = cluster.create_database("operator")
        upgrade(url)
        cluster.stop()
        yield url
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)
