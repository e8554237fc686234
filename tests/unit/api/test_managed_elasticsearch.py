"""The CLI decides where Elasticsearch is: the configured URL, or the managed node of the settings; the services
take the URL they are given."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from api.bootstrap import services
from api.cli import main
from api.cli.managed_elasticsearch import elasticsearch_url, managed_cluster, managed_node
from api.settings import Settings
from api.startup_errors import StartupError
from devstack.distribution import DEFAULT_VERSION


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings.model_validate({"cache_dir": tmp_path, "jwt_secret": SecretStr("s" * 40), **values})


async def test_a_configured_url_is_used_as_it_is_and_no_node_is_started(tmp_path: Path) -> None:
    url = await elasticsearch_url(settings(tmp_path, elasticsearch_url="http://search.internal:9200"))

    assert url == "http://search.internal:9200"
    assert not (tmp_path / "elasticsearch").exists()


def test_the_managed_node_is_the_one_the_settings_name(tmp_path: Path) -> None:
    node = managed_node(
        settings(tmp_path, elasticsearch_port=9281, elasticsearch_heap="256m", java_home=tmp_path / "jdk")
    )

    assert node.node_dir == tmp_path / "elasticsearch" / f"{DEFAULT_VERSION}-node-9281"
    assert node.config.heap == "256m"
    assert node.java_homes == (tmp_path / "jdk",)


def test_java_home_falls_back_to_es_java_home_then_java_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("CATALOG_JAVA_HOME", raising=False)
    monkeypatch.setenv("JAVA_HOME", "/opt/java")
    monkeypatch.setenv("ES_JAVA_HOME", "/opt/es-java")

    assert Settings().java_home == Path("/opt/es-java")  # type: ignore[call-arg]


async def test_the_services_refuse_to_start_without_an_elasticsearch_url(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="CATALOG_ELASTICSEARCH_URL"):
        async with services(settings(tmp_path, elasticsearch_url=None)):
            pass


def test_elasticsearch_status_reads_port_and_cache_directory_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("CATALOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CATALOG_ELASTICSEARCH_PORT", str(port))

    result = CliRunner().invoke(main, ["elasticsearch", "status"])

    log = tmp_path / "cache" / "elasticsearch" / f"{DEFAULT_VERSION}-node-{port}" / "logs" / "console.log"
    assert result.exit_code == 1
    assert result.output == f"not running (log: {log})\n"


def test_the_managed_cluster_is_the_one_the_settings_name(tmp_path: Path) -> None:
    cluster = managed_cluster(
        settings(tmp_path, elasticsearch_port=9281, elasticsearch_nodes=3, elasticsearch_heap="256m")
    )

    assert [node.port for node in cluster.nodes] == [9281, 9282, 9283]
    assert cluster.directory == tmp_path / "elasticsearch" / f"{DEFAULT_VERSION}-cluster-9281"
    assert {node.config.heap for node in cluster.nodes} == {"256m"}


def test_elasticsearch_status_of_a_cluster_names_each_node_and_exits_1_when_one_is_not_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("CATALOG_CACHE_DIR", str(tmp_path / "cache"))

    result = CliRunner().invoke(main, ["elasticsearch", "status", "--port", str(port), "--nodes", "2"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [f"node-{port}", f"node-{port + 1}"]
    assert all("not running" in line for line in lines)
