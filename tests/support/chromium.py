"""Debian's Chromium for the browser tests: installed with apt-get when missing (as root), never downloaded by a
test tool. Playwright drives it through `executable_path`, headless, with every background service that would
reach outside hosts switched off and a fresh profile per launch.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = ("chromium",)
# Without the background-networking flags Chromium keeps trying to reach Google's hosts (updates, safe browsing,
# sync, field trials); on a closed network those attempts fail by the dozen.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
)


class ChromiumUnavailable(RuntimeError):
    """Chromium is not installed and cannot be installed here."""


def ensure_chromium() -> Path:
    """/usr/bin/chromium, first installing Debian's package when it is missing (needs root and apt-get)."""
    if _runs(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ChromiumUnavailable(f"{CHROMIUM} not found; install Debian's chromium package (needs root, apt-get)")
    print("chromium: not found; installing Debian's chromium package", file=sys.stderr, flush=True)
    _apt_get(["apt-get", "update"])
    _apt_get(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES])
    if not _runs(CHROMIUM):
        raise ChromiumUnavailable(f"{CHROMIUM} still does not run after installing {' '.join(PACKAGES)}")
    return CHROMIUM


def _runs(executable: Path) -> bool:
    if not os.access(executable, os.X_OK):
        return False
    done = subprocess.run([executable, "--version"], capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def _apt_get(command: list[str]) -> None:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # fd 2, not sys.stderr: under pytest's capture sys.stderr has no file descriptor.
    result = subprocess.run(command, env=environment, stdout=2, stderr=2, check=False)
    if result.returncode != 0:
        raise ChromiumUnavailable(f"{shlex.join(command)} failed with exit code {result.returncode}")
