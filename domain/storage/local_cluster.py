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
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
SYSTEM_OS_USER = "postgres"
FALLBACK_OS_USER = "catalog-pg"
_REQUIRED_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_SOCKET_PATH_LIMIT = 107  # sun_path, minus the terminating NUL
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_PG_HBA = """\
# Written by catalog's LocalPostgres: trust loopback IPv4, nothing else.
host all all 127.0.0.1/32 trust
"""


class LocalPostgresError(RuntimeError):
    """The local cluster could not be installed, started, stopped or administered."""


class LocalPostgres:
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
            raise LocalPostgresError("the local PostgreSQL cluster has not been started")
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
            _wait_until_accepting(self.admin_url, self._start_timeout, self.log_file)
        except LocalPostgresError:
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
            raise LocalPostgresError(f"pg_ctl stop failed: {_summary(result.stdout)} (log: {self.log_file})")

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        return create_database_on(self.admin_url, name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting any sessions still using it. Missing is fine."""
        drop_database_on(self.admin_url, name)

    def __enter__(self) -> LocalPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _prepare_root(self) -> None:
        socket_path = self.root / ".s.PGSQL.65535"
        if len(os.fsencode(socket_path)) > _SOCKET_PATH_LIMIT:
            raise LocalPostgresError(f"cluster root {self.root} is too long for a Unix socket path")
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            return
        entry = pwd.getpwnam(self._user())
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        if self._run(["test", "-w", str(self.root), "-a", "-x", str(self.root)]).returncode != 0:
            raise LocalPostgresError(
                f"user {self._user()} cannot reach {self.root}: every parent directory must be o+x"
            )

    def _initdb(self) -> None:
        initdb = [str(self._binary("initdb")), "-D", str(self.data_dir), "-U", SUPERUSER]
        initdb += ["-E", "UTF8", "--locale=C", "--auth=trust", "--no-sync"]
        result = self._run(initdb)
        if result.returncode != 0:
            raise LocalPostgresError(f"initdb failed: {_summary(result.stdout)} (cluster root: {self.root})")
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(_PG_HBA, encoding="utf-8")
        if os.geteuid() == 0:
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
            message = f"PostgreSQL did not start on 127.0.0.1:{port}: {_summary(log)}"
            raise LocalPostgresError(f"{message} (log: {self.log_file})")

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        """Run ``command`` as the server's OS user, from the cluster root (our cwd may be private)."""
        if os.geteuid() == 0:
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


def find_postgres_bin() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``: PATH first, then Debian's layout."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(Path("/").glob(_DEBIAN_BIN_GLOB.lstrip("/")), key=_major_version, reverse=True)
    for directory in candidates:
        if all(os.access(directory / program, os.X_OK) for program in _REQUIRED_PROGRAMS):
            return directory
    raise LocalPostgresError(f"no PostgreSQL server binaries (initdb) on PATH or under {_DEBIAN_BIN_GLOB}")


def ensure_postgres_installed() -> Path:
    """``find_postgres_bin()``, first installing Debian's ``postgresql`` package if needed (as root)."""
    try:
        return find_postgres_bin()
    except LocalPostgresError:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise LocalPostgresError(
                "PostgreSQL server binaries not found; install the postgresql package (needs root, apt-get)"
            ) from None
    _announce("PostgreSQL server binaries not found; installing the Debian postgresql package")
    _apt_get(["apt-get", "update"])
    _apt_get(["apt-get", "install", "-y", "postgresql"])
    return find_postgres_bin()


def create_database_on(admin_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``admin_url``; return the new database's SQLAlchemy URL."""
    _execute(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(admin_url, name)


def drop_database_on(admin_url: str, name: str) -> None:
    """Drop database ``name`` on the server of ``admin_url``, forcing its sessions off. Missing is fine."""
    _execute(admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` with its database replaced by ``name``."""
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def _execute(admin_url: str, statement: sql.Composed) -> None:
    try:
        with psycopg.connect(_libpq_url(admin_url), autocommit=True) as connection:
            connection.execute(statement)
    except psycopg.Error as error:
        raise LocalPostgresError(f"{statement.as_string(None)} failed: {_first_line(error)}") from error


def _libpq_url(sqlalchemy_url: str) -> str:
    """libpq accepts ``postgresql://`` URIs but not SQLAlchemy's ``+driver`` suffix."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def _wait_until_accepting(admin_url: str, timeout: float, log_file: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(_libpq_url(admin_url), connect_timeout=2) as connection:
                connection.execute("SELECT 1")
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                message = f"PostgreSQL refuses connections: {_first_line(error)} (log: {log_file})"
                raise LocalPostgresError(message) from None
            time.sleep(0.05)
        else:
            return


def _server_os_user() -> str:
    """The OS user initdb and postgres run as: ourselves unless root, then ``postgres`` or our own user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in (SYSTEM_OS_USER, FALLBACK_OS_USER):
        if _user_exists(name):
            return name
    useradd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_OS_USER]
    result = subprocess.run(useradd, capture_output=True, text=True, check=False)
    if result.returncode != 0 and not _user_exists(FALLBACK_OS_USER):  # another process may have won the race
        raise LocalPostgresError(f"useradd {FALLBACK_OS_USER} failed: {_summary(result.stderr)}")
    return FALLBACK_OS_USER


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_loopback_port() -> int:
    """A port free right now on 127.0.0.1 (another process could still take it before the server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _major_version(bin_dir: Path) -> tuple[int, str]:
    version = bin_dir.parent.name
    return (int(version) if version.isdigit() else -1, version)


def _apt_get(command: list[str]) -> None:
    _announce("running: " + shlex.join(command))
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # fd 2, not sys.stderr: under pytest's capture sys.stderr has no file descriptor.
    result = subprocess.run(command, env=environment, stdout=2, stderr=2, check=False)
    if result.returncode != 0:
        raise LocalPostgresError(f"{shlex.join(command)} failed with exit code {result.returncode}")


def _announce(message: str) -> None:
    print(f"local_cluster: {message}", file=sys.stderr, flush=True)


def _first_line(error: Exception) -> str:
    return str(error).strip().partition("\n")[0] or type(error).__name__


def _summary(output: str) -> str:
    """The last line of ``output`` that reports an error, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if any(mark in line for mark in ("error", "FATAL", "PANIC", "ERROR"))]
    return (errors or lines or ["no output"])[-1]
