"""The PostgreSQL server binaries: found on PATH or in Debian's layout, else installed with apt-get (as root)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from devstack.errors import PostgresClusterError
from devstack.service_user import running_as_root

REQUIRED_PROGRAMS = ("initdb", "pg_ctl", "postgres")
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def find_postgres_bin() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``: PATH first, then Debian's layout."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/")), key=_major_version, reverse=True)
    for directory in candidates:
        if all(os.access(directory / program, os.X_OK) for program in REQUIRED_PROGRAMS):
            return directory
    raise PostgresClusterError(f"no PostgreSQL server binaries (initdb) on PATH or under {DEBIAN_BIN_GLOB}")


def ensure_postgres_installed() -> Path:
    """``find_postgres_bin()``, first installing Debian's ``postgresql`` package if needed (as root)."""
    try:
        return find_postgres_bin()
    except PostgresClusterError:
        if not running_as_root() or shutil.which("apt-get") is None:
            raise PostgresClusterError(
                "PostgreSQL server binaries not found; install the postgresql package (needs root, apt-get)"
            ) from None
    announce("PostgreSQL server binaries not found; installing the Debian postgresql package")
    _apt_get("update")
    _apt_get("install", "-y", "postgresql")
    return find_postgres_bin()


def announce(message: str) -> None:
    """Progress the user should see even under pytest's capture (a package install takes a while)."""
    print(f"postgres_cluster: {message}", file=sys.stderr, flush=True)


def _major_version(bin_dir: Path) -> tuple[int, str]:
    version = bin_dir.parent.name
    return (int(version) if version.isdigit() else -1, version)


def _apt_get(*arguments: str) -> None:
    command = ["apt-get", *arguments]
    announce("running: " + shlex.join(command))
    # `env` adds the one variable to the environment apt-get inherits; fd 2, not sys.stderr: under pytest's
    # capture sys.stderr has no file descriptor.
    noninteractive = ["env", "DEBIAN_FRONTEND=noninteractive", *command]
    result = subprocess.run(noninteractive, stdout=2, stderr=2, check=False)
    if result.returncode != 0:
        raise PostgresClusterError(f"{shlex.join(command)} failed with exit code {result.returncode}")
