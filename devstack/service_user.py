"""Unprivileged system users, for servers that refuse to run as root (Elasticsearch, PostgreSQL)."""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from devstack.errors import DevstackError
from devstack.messages import last_line


def running_as_root() -> bool:
    return os.geteuid() == 0


def current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ensure_system_user(name: str) -> tuple[int, int]:
    """(uid, gid) of the system user ``name``, created first (no home, no login shell) if it is missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        command = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        try:  # a concurrent process may have created it first: then useradd failed, but the user exists
            entry = pwd.getpwnam(name)
        except KeyError:
            raise DevstackError(f"`useradd {name}` failed: {last_line(result.stderr)}") from None
    return entry.pw_uid, entry.pw_gid


def chown_tree(root: Path, owner: tuple[int, int]) -> None:
    """Give ``root`` and everything under it (symbolic links themselves, not their targets) to ``owner``."""
    uid, gid = owner
    os.chown(root, uid, gid)
    for directory, subdirectories, files in os.walk(root):
        for name in subdirectories + files:
            os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)
