"""The Elasticsearch distribution: the integ-test-zip, fetched once with ``mvn`` and unpacked into the cache.

The zip is the artifact Elasticsearch's own integration tests run; it comes from Maven Central and carries no
JDK (see java.py). One unpacked copy per version, ``<root>/<version>/``, serves every node started from it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from devstack.errors import ElasticsearchNodeError
from devstack.files import locked
from devstack.messages import last_line
from devstack.service_user import chown_tree

log = logging.getLogger(__name__)

DEFAULT_VERSION = "8.19.7"
_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"


class Distribution:
    """One version of Elasticsearch under ``root`` (``<cache dir>/elasticsearch``), installed on first use."""

    def __init__(self, root: Path, version: str = DEFAULT_VERSION) -> None:
        self.root = root.expanduser().absolute()
        self.version = version

    @classmethod
    def in_cache(cls, cache_dir: Path, version: str = DEFAULT_VERSION) -> Distribution:
        """The distribution kept in ``<cache_dir>/elasticsearch/``, beside the nodes' own directories."""
        return cls(cache_dir / "elasticsearch", version)

    @property
    def install_dir(self) -> Path:
        return self.root / self.version

    @property
    def installed(self) -> bool:
        return (self.install_dir / "bin" / "elasticsearch").is_file()

    def install(self, owner: tuple[int, int] | None = None) -> Path:
        """Fetch and unpack once (owned by ``owner`` when given); concurrent callers wait for the first one."""
        if self.installed:
            return self.install_dir
        self.root.mkdir(parents=True, exist_ok=True)
        with locked(self.root / f".install-{self.version}.lock"):
            if self.installed:
                return self.install_dir
            with tempfile.TemporaryDirectory(dir=self.root, prefix=f".{self.version}-") as scratch:
                archive = _fetch(self.version, Path(scratch))
                log.info("unpacking %s", archive.name)
                unpacked = _extract(archive, Path(scratch) / "unpacked")
                if owner is not None:
                    chown_tree(unpacked, owner)
                unpacked.rename(self.install_dir)
        log.info("installed Elasticsearch %s in %s", self.version, self.install_dir)
        return self.install_dir


def _fetch(version: str, directory: Path) -> Path:
    """Copy the integ-test-zip out of the Maven repository (downloading it into ~/.m2 if needed)."""
    if shutil.which("mvn") is None:
        raise ElasticsearchNodeError("mvn is not installed; it is needed once to fetch Elasticsearch")
    artifact = _ARTIFACT.format(version=version)
    log.info("fetching %s with mvn (about 100 MB the first time)", artifact)
    command = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={directory}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    archives = sorted(directory.glob("*.zip"))
    if result.returncode != 0 or not archives:
        raise ElasticsearchNodeError(f"mvn could not fetch {artifact}: {last_line(result.stdout + result.stderr)}")
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
        raise ElasticsearchNodeError(f"could not unpack {archive}: {error}") from error
    (top,) = destination.iterdir()
    return top
