"""A detached server's process group: recognise it from a recorded pid, signal it, wait until it is gone.

The server is started in a session of its own, so its pid is also its process group's id and signalling the
group reaches the JVM and whatever the start script left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path


def is_group_running(pid: int, command_marker: str, child: subprocess.Popen[bytes] | None = None) -> bool:
    """Whether ``pid`` still leads its process group and (where /proc tells) runs a command naming the marker."""
    reap(pid, child)
    try:
        if os.getpgid(pid) != pid:
            return False
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and command_marker.encode() not in cmdline.read_bytes():
            return False
    except (ProcessLookupError, PermissionError, FileNotFoundError):
        return False
    return True


def group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def signal_group(pid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signum)


def wait_for_exit(pid: int, timeout: float, child: subprocess.Popen[bytes] | None = None) -> bool:
    """Whether the group of ``pid`` is gone within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap(pid, child)
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def reap(pid: int, child: subprocess.Popen[bytes] | None = None) -> None:
    """Collect ``pid`` if it is our exited child, so that it stops counting as alive."""
    if child is not None and child.pid == pid:
        child.poll()
        return
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
