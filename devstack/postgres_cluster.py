"""A throwaway PostgreSQL cluster on loopback, for the test suite and the benchmarks.

The cluster lives entirely under one directory (data, log, Unix socket), listens on 127.0.0.1 only, trusts
every connection from there, and trades durability for speed (no fsync). It is never meant to hold data
worth keeping.

``initdb`` and ``postgres`` refuse to run as root, so when we are root they run as the ``postgres`` system
user, or as a dedicated unprivileged user created on first use.
"""

from __future__ import annotations

import os
import pwd
import shlex
import socket
import subprocess
from pathlib import Path
from types import TracebackType

from devstack.errors import DevstackError, PostgresClusterError
from devstack.messages import last_error_line
from devstack.postgres_databases import create_database_on, drop_database_on, wait_until_accepting
from devstack.postgres_install import ensure_postgres_installed, find_postgres_bin
from devstack.service_user import current_user, ensure_system_user, running_as_root, user_exists

SUPERUSER = "postgres"
SYSTEM_OS_USER = "postgres"
FALLBACK_OS_USER = "catalog-pg"
_SOCKET_PATH_LIMIT = 107  # sun_path, minus the terminating NUL
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_PG_HBA = """\
# Written by catalog's devstack PostgresCluster: trust loopback IPv4, nothing else.
host all all 127.0.0.1/32 trust
"""


class PostgresCluster:
    """One PostgreSQL cluster under ``root``, owned by this object from ``start()`` to ``stop()``."""

    def __init__(self, root: Path, port: int | None = None, *, start_timeout: float = 60.0) -> None:
        self.root = root.resolve()
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self._requested_port = port
        self._port: int | None = None
        self._start_timeout = start_timeout
        self._bin: Path | None = None
        self._os_user: str | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise PostgresClusterError("the local PostgreSQL cluster has not been started")
        return self._port

    @property
    def admin_url(self) -> str:
        """The SQLAlchemy URL of the ``postgres`` maintenance database, as the superuser."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Create the cluster (if new), start it, and return once it accepts connections."""
        if self._port is not None:
            return
        self._bin = ensure_postgres_installed()
        self._os_user = _server_os_user()
        self._prepare_root()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        port = self._requested_port or _free_loopback_port()
        self._pg_ctl_start(port)
        self._port = port
        try:
            wait_until_accepting(self.admin_url, self._start_timeout, self.log_file)
        except PostgresClusterError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (fast shutdown: roll back open transactions). Safe to call at any time."""
        self._port = None
        if not (self.data_dir / "postmaster.pid").exists():
            return
        self._bin = self._bin or find_postgres_bin()
        self._os_user = self._os_user or _server_os_user()
        stop = [str(self._binary("pg_ctl")), "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-s"]
        result = self._run(stop)
        if result.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
            raise PostgresClusterError(f"pg_ctl stop failed: {last_error_line(result.stdout)} (log: {self.log_file})")

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        return create_database_on(self.admin_url, name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting any sessions still using it. Missing is fine."""
        drop_database_on(self.admin_url, name)

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _prepare_root(self) -> None:
        socket_path = self.root / ".s.PGSQL.65535"
        if len(os.fsencode(socket_path)) > _SOCKET_PATH_LIMIT:
            raise PostgresClusterError(f"cluster root {self.root} is too long for a Unix socket path")
        self.root.mkdir(parents=True, exist_ok=True)
        if not running_as_root():
            return
        entry = pwd.getpwnam(self._user())
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        if self._run(["test", "-w", str(self.root), "-a", "-x", str(self.root)]).returncode != 0:
            raise PostgresClusterError(
                f"user {self._user()} cannot reach {self.root}: every parent directory must be o+x"
            )

    def _initdb(self) -> None:
        initdb = [str(self._binary("initdb")), "-D", str(self.data_dir), "-U", SUPERUSER]
        initdb += ["-E", "UTF8", "--locale=C", "--auth=trust", "--no-sync"]
        result = self._run(initdb)
        if result.returncode != 0:
            raise PostgresClusterError(f"initdb failed: {last_error_line(result.stdout)} (cluster root: {self.root})")
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(_PG_HBA, encoding="utf-8")
        if running_as_root():
            entry = pwd.getpwnam(self._user())
            os.chown(hba, entry.pw_uid, entry.pw_gid)

    def _pg_ctl_start(self, port: int) -> None:
        settings = {**_SERVER_SETTINGS, "port": str(port), "unix_socket_directories": str(self.root)}
        options = shlex.join(arg for key, value in settings.items() for arg in ("-c", f"{key}={value}"))
        start = [str(self._binary("pg_ctl")), "start", "-D", str(self.data_dir), "-l", str(self.log_file)]
        start += ["-o", options, "-w", "-t", str(int(self._start_timeout)), "-s"]
        result = self._run(start)
        if result.returncode != 0:
            log = self.log_file.read_text("utf-8", "replace") if self.log_file.exists() else result.stdout
            message = f"PostgreSQL did not start on 127.0.0.1:{port}: {last_error_line(log)}"
            raise PostgresClusterError(f"{message} (log: {self.log_file})")

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        """Run ``command`` as the server's OS user, from the cluster root (our cwd may be private)."""
        if running_as_root():
            command = ["runuser", "-u", self._user(), "--", *command]
        return subprocess.run(
            command, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )

    def _binary(self, name: str) -> Path:
        assert self._bin is not None, "start() sets the binary directory"
        return self._bin / name

    def _user(self) -> str:
        assert self._os_user is not None, "start() picks the OS user"
        return self._os_user


def _server_os_user() -> str:
    """The OS user initdb and postgres run as: ourselves unless root, then ``postgres`` or our own user."""
    if not running_as_root():
        return current_user()
    if user_exists(SYSTEM_OS_USER):
        return SYSTEM_OS_USER
    try:
        ensure_system_user(FALLBACK_OS_USER)
    except DevstackError as error:
        raise PostgresClusterError(str(error)) from None
    return FALLBACK_OS_USER


def _free_loopback_port() -> int:
    """A port free right now on 127.0.0.1 (another process could still take it before the server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
